using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Http.Fault.V3;
using Mesh.Api.Model;
using EnvoyFaultAbort = Envoy.Extensions.Filters.Http.Fault.V3.FaultAbort;
using EnvoyFaultDelay = Envoy.Extensions.Filters.Common.Fault.V3.FaultDelay;
using HashPolicy = Envoy.Config.Route.V3.RouteAction.Types.HashPolicy;

namespace Mesh.Grains.Generators;

/// <summary>The per-route policies of an Istio HTTPRoute: retries, faults, consistent hashing.</summary>
internal static class RoutePolicies
{
    public const string FaultFilter = "envoy.filters.http.fault";

    // Istio's default retry_on: failures where the request provably never reached the application.
    public const string DefaultRetryOn = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

    /// <summary>
    /// Istio's retry.ConvertPolicy: no retries block means the mesh default (2 attempts on 503 and
    /// connection failures); attempts 0 disables retries; numbers in retryOn are status codes.
    /// previous_hosts and host_selection_retry_max_attempts are left out: they need extensions gRPC lacks.
    /// </summary>
    public static RetryPolicy? Retry(HttpRetry? retry)
    {
        var policy = new RetryPolicy { NumRetries = 2, RetryOn = DefaultRetryOn, RetriableStatusCodes = { 503 } };
        if (retry is null) return policy;
        if (retry.Attempts <= 0) return null;

        policy.NumRetries = (uint)retry.Attempts;
        if (!string.IsNullOrWhiteSpace(retry.RetryOn))
        {
            var conditions = new List<string>();
            policy.RetriableStatusCodes.Clear();
            foreach (var part in retry.RetryOn.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (uint.TryParse(part, out var code) && code is >= 100 and < 600) policy.RetriableStatusCodes.Add(code);
                else conditions.Add(part);
            }
            if (policy.RetriableStatusCodes.Count > 0 && !conditions.Contains("retriable-status-codes")) conditions.Add("retriable-status-codes");
            policy.RetryOn = string.Join(',', conditions);
        }
        if (retry.PerTryTimeout is { } perTry) policy.PerTryTimeout = Protos.Duration(perTry);
        return policy;
    }

    /// <summary>The HTTPFault for the route's typed_per_filter_config; null when nothing is injected.</summary>
    public static HTTPFault? Fault(HttpFaultInjection? fault)
    {
        if (fault is null) return null;
        var result = new HTTPFault();
        if (fault.Delay is { } delay)
        {
            result.Delay = new EnvoyFaultDelay
            {
                FixedDelay = Protos.Duration(delay.FixedDelay),
                // Istio sends 0% when no percentage is given: the delay stays configured but idle.
                Percentage = delay.Percentage is { } p ? Protos.PerMillion(p.Value) : Protos.PerHundred(0),
            };
        }
        if (fault.Abort is { } abort)
        {
            var envoyAbort = new EnvoyFaultAbort();
            if (abort.HttpStatus is { } http) envoyAbort.HttpStatus = (uint)http;
            else if (GrpcStatus(abort.GrpcStatus) is { } grpc) envoyAbort.GrpcStatus = grpc;
            if (abort.Percentage is { } p) envoyAbort.Percentage = Protos.PerMillion(p.Value);
            if (envoyAbort.ErrorTypeCase != EnvoyFaultAbort.ErrorTypeOneofCase.None) result.Abort = envoyAbort;
        }
        return result.Delay is null && result.Abort is null ? null : result;
    }

    private static readonly string[] GrpcCodes =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    /// <summary>A gRPC status name (UNAVAILABLE) or number ("14") as its code; null when unknown.</summary>
    public static uint? GrpcStatus(string? status)
    {
        if (string.IsNullOrWhiteSpace(status)) return null;
        if (uint.TryParse(status, out var number)) return number < GrpcCodes.Length ? number : null;
        var index = Array.IndexOf(GrpcCodes, status.Trim().ToUpperInvariant());
        return index < 0 ? null : (uint)index;
    }

    /// <summary>The hash key of a consistent-hash load balancer, which Envoy takes per route.</summary>
    public static HashPolicy? Hash(ConsistentHashSettings? hash)
    {
        if (hash is null) return null;
        if (!string.IsNullOrEmpty(hash.HttpHeaderName))
            return new HashPolicy { Header = new HashPolicy.Types.Header { HeaderName = hash.HttpHeaderName } };
        if (hash.HttpCookie is { } cookie)
        {
            var envoyCookie = new HashPolicy.Types.Cookie { Name = cookie.Name, Path = cookie.Path ?? string.Empty };
            if (cookie.Ttl is { } ttl) envoyCookie.Ttl = Protos.Duration(ttl);
            return new HashPolicy { Cookie = envoyCookie };
        }
        if (hash.UseSourceIp)
            return new HashPolicy { ConnectionProperties = new HashPolicy.Types.ConnectionProperties { SourceIp = true } };
        if (!string.IsNullOrEmpty(hash.HttpQueryParameterName))
            return new HashPolicy { QueryParameter = new HashPolicy.Types.QueryParameter { Name = hash.HttpQueryParameterName } };
        return null;
    }
}
