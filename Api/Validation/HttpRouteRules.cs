using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Validation;

/// <summary>Checks one HTTP route of a VirtualService: its action, matches, retries, faults, headers.</summary>
internal static class HttpRouteRules
{
    private static readonly IReadOnlyList<string> RetryConditions =
    [
        "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited",
        "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
        "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
    ];

    private static readonly IReadOnlyList<string> GrpcStatuses =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    public static void Check(Findings f, string path, HttpRoute route)
    {
        var actions = (route.Route.Count > 0 ? 1 : 0) + (route.Redirect is null ? 0 : 1) + (route.DirectResponse is null ? 0 : 1);
        if (actions == 0)
        {
            f.Add(path, null, "one of route, redirect or directResponse is required");
        }
        else if (actions > 1)
        {
            f.Add(path, null, "only one of route, redirect or directResponse may be set");
        }

        if (route.Redirect is not null && route.Rewrite is not null)
        {
            f.Add($"{path}.rewrite", null, "rewrite cannot be combined with redirect");
        }

        for (var i = 0; i < route.Match.Count; i++)
        {
            MatchRules.Check(f, $"{path}.match[{i}]", route.Match[i]);
        }

        Destinations(f, $"{path}.route", route.Route);
        Redirect(f, $"{path}.redirect", route.Redirect);
        if (route.DirectResponse is { Status: < 200 or > 599 } direct)
        {
            f.Add($"{path}.directResponse.status", CommonRules.Text(direct.Status), "status must be in [200, 599]");
        }

        if (route.Rewrite is { Uri: null, Authority: null })
        {
            f.Add($"{path}.rewrite", null, "rewrite must set uri, authority, or both");
        }

        CommonRules.Duration(f, $"{path}.timeout", route.Timeout);
        Retries(f, $"{path}.retries", route.Retries);
        Fault(f, $"{path}.fault", route.Fault);
        if (route.Mirror is not null)
        {
            CommonRules.Destination(f, $"{path}.mirror", route.Mirror);
        }

        CommonRules.Percent(f, $"{path}.mirrorPercentage", route.MirrorPercentage, "mirrorPercentage");
        HeaderRules.Operations(f, $"{path}.headers", route.Headers);
    }

    private static void Destinations(Findings f, string path, IReadOnlyList<HttpRouteDestination> destinations)
    {
        var total = 0L;
        for (var i = 0; i < destinations.Count; i++)
        {
            var destination = destinations[i];
            CommonRules.Destination(f, $"{path}[{i}].destination", destination.Destination);
            if (destination.Weight is < 0 or > 100)
            {
                f.Add($"{path}[{i}].weight", CommonRules.Text(destination.Weight), "weight must be in [0, 100]");
            }

            total += destination.Weight;
            HeaderRules.Operations(f, $"{path}[{i}].headers", destination.Headers);
        }

        // Unset weights read as 0, so several destinations without weights fail here too, as in Istio.
        if (destinations.Count > 1 && total != 100)
        {
            f.Add(path, CommonRules.Text(total), "weights must sum to 100 when a route has more than one destination");
        }
    }

    private static void Redirect(Findings f, string path, HttpRedirect? redirect)
    {
        if (redirect is null)
        {
            return;
        }

        if (redirect is { Uri: null, Authority: null, Port: null, Scheme: null })
        {
            f.Add(path, null, "redirect must set at least one of uri, authority, port, scheme");
        }

        if (redirect.RedirectCode is < 300 or > 399)
        {
            f.Add($"{path}.redirectCode", CommonRules.Text(redirect.RedirectCode), "redirectCode must be a 3xx status");
        }

        CommonRules.Port(f, $"{path}.port", redirect.Port);
    }

    private static void Retries(Findings f, string path, HttpRetry? retries)
    {
        if (retries is null)
        {
            return;
        }

        if (retries.Attempts < 0)
        {
            f.Add($"{path}.attempts", CommonRules.Text(retries.Attempts), "attempts must not be negative");
        }

        CommonRules.Duration(f, $"{path}.perTryTimeout", retries.PerTryTimeout);
        foreach (var condition in (retries.RetryOn ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var isStatus = int.TryParse(condition, out var status) && status is >= 100 and <= 599;
            if (!isStatus && !RetryConditions.Contains(condition))
            {
                f.Add($"{path}.retryOn", condition, $"unknown retry condition; expected an HTTP status or one of {string.Join(", ", RetryConditions)}");
            }
        }
    }

    private static void Fault(Findings f, string path, HttpFaultInjection? fault)
    {
        if (fault is null)
        {
            return;
        }

        if (fault.Delay is null && fault.Abort is null)
        {
            f.Add(path, null, "fault must set delay, abort, or both");
        }

        if (fault.Delay is { } delay)
        {
            CommonRules.Duration(f, $"{path}.delay.fixedDelay", delay.FixedDelay);
            CommonRules.Percent(f, $"{path}.delay.percentage", delay.Percentage, "percentage");
        }

        if (fault.Abort is { } abort)
        {
            if ((abort.HttpStatus is null) == (abort.GrpcStatus is null))
            {
                f.Add($"{path}.abort", null, "exactly one of httpStatus, grpcStatus is required");
            }

            if (abort.HttpStatus is { } status and (< 200 or > 599))
            {
                f.Add($"{path}.abort.httpStatus", CommonRules.Text(status), "httpStatus must be in [200, 599]");
            }

            if (abort.GrpcStatus is { } grpc && !GrpcStatuses.Contains(grpc))
            {
                f.Add($"{path}.abort.grpcStatus", grpc, "grpcStatus must be a gRPC status name such as UNAVAILABLE");
            }

            CommonRules.Percent(f, $"{path}.abort.percentage", abort.Percentage, "percentage");
        }
    }
}
