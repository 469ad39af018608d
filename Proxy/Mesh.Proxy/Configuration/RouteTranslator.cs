using System.Collections.Immutable;
using Envoy.Config.Core.V3;
using Envoy.Config.Route.V3;
using EnvoyRedirect = Envoy.Config.Route.V3.RedirectAction;
using Route = Envoy.Config.Route.V3.Route;
using RetryPolicy = Envoy.Config.Route.V3.RetryPolicy;

namespace Mesh.Proxy.Configuration;

/// <summary>RDS RouteConfiguration to RouteTable. Pure: throws TranslationException naming resource and field.</summary>
public static class RouteTranslator
{
    // Envoy's route timeout when the field is absent; an explicit 0s disables it (what Istio sends).
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public static RouteTable Translate(RouteConfiguration config)
    {
        var hosts = ImmutableArray.CreateBuilder<VirtualHostRoutes>();
        for (var i = 0; i < config.VirtualHosts.Count; i++)
        {
            var host = config.VirtualHosts[i];
            var where = $"RouteConfiguration \"{config.Name}\": virtual_hosts[{i}] ({host.Name})";
            if (host.Domains.Count == 0) throw new TranslationException($"{where}.domains: at least one domain is required");
            var routes = ImmutableArray.CreateBuilder<RouteEntry>();
            for (var j = 0; j < host.Routes.Count; j++) routes.Add(Translate(host.Routes[j], $"{where}.routes[{j}]"));
            hosts.Add(new VirtualHostRoutes(host.Name, [.. host.Domains.Select(d => d.ToLowerInvariant())], routes.ToImmutable()));
        }
        return new RouteTable(config.Name, hosts.ToImmutable());
    }

    private static RouteEntry Translate(Route route, string where)
    {
        if (!string.IsNullOrEmpty(route.Name)) where = $"{where} ({route.Name})";
        var match = RouteMatchTranslator.Translate(route.Match ?? new RouteMatch { Prefix = "/" }, where);
        RouteActionSpec action = route.ActionCase switch
        {
            Route.ActionOneofCase.Route_ => Forward(route.Route_, $"{where}.route"),
            Route.ActionOneofCase.DirectResponse => new DirectResponseAction((int)route.DirectResponse.Status, Body(route.DirectResponse.Body, $"{where}.direct_response.body")),
            Route.ActionOneofCase.Redirect => Redirect(route.Redirect, $"{where}.redirect"),
            var other => throw new TranslationException($"{where}: action {other}: not supported (route, redirect and direct_response are)"),
        };
        var headers = Headers(route.RequestHeadersToAdd, route.RequestHeadersToRemove, route.ResponseHeadersToAdd, route.ResponseHeadersToRemove);
        return new RouteEntry(route.Name, match, action, headers) { Fault = RoutePolicyTranslator.Fault(route.TypedPerFilterConfig, where) };
    }

    private static ForwardAction Forward(RouteAction action, string where)
    {
        ImmutableArray<WeightedTarget> clusters = action.ClusterSpecifierCase switch
        {
            RouteAction.ClusterSpecifierOneofCase.Cluster => [new WeightedTarget(action.Cluster, 1, HeaderOperations.None)],
            RouteAction.ClusterSpecifierOneofCase.WeightedClusters => Weighted(action.WeightedClusters, $"{where}.weighted_clusters"),
            var other => throw new TranslationException($"{where}: cluster specifier {other}: not supported (cluster and weighted_clusters are)"),
        };
        TimeSpan? timeout = action.Timeout is null ? DefaultTimeout : action.Timeout.ToTimeSpan() is var t && t > TimeSpan.Zero ? t : null;
        var host = action.HostRewriteSpecifierCase == RouteAction.HostRewriteSpecifierOneofCase.HostRewriteLiteral ? action.HostRewriteLiteral : null;
        var prefix = string.IsNullOrEmpty(action.PrefixRewrite) ? null : action.PrefixRewrite;
        return new ForwardAction(clusters, timeout, Retry(action.RetryPolicy), prefix, host)
        {
            Mirrors = RoutePolicyTranslator.Mirrors(action.RequestMirrorPolicies, where),
            HashPolicies = RoutePolicyTranslator.HashPolicies(action.HashPolicy, where),
        };
    }

    private static ImmutableArray<WeightedTarget> Weighted(WeightedCluster weighted, string where)
    {
        var result = ImmutableArray.CreateBuilder<WeightedTarget>();
        for (var i = 0; i < weighted.Clusters.Count; i++)
        {
            var entry = weighted.Clusters[i];
            if (string.IsNullOrEmpty(entry.Name)) throw new TranslationException($"{where}.clusters[{i}].name: required (cluster_header is not supported)");
            var headers = Headers(entry.RequestHeadersToAdd, entry.RequestHeadersToRemove, entry.ResponseHeadersToAdd, entry.ResponseHeadersToRemove);
            // Zero-weight entries never take traffic; keeping them out keeps Pick a plain scan.
            var weight = entry.Weight ?? 0;
            if (weight > 0) result.Add(new WeightedTarget(entry.Name, weight, headers));
        }
        if (result.Count == 0) throw new TranslationException($"{where}.clusters: the total weight must be greater than 0");
        return result.ToImmutable();
    }

    private static RetrySpec? Retry(RetryPolicy? policy)
    {
        if (policy is null || (policy.NumRetries ?? 1) == 0) return null;
        var on = policy.RetryOn.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var codes = on.Contains("retriable-status-codes") ? policy.RetriableStatusCodes.Select(c => (int)c).ToImmutableArray() : [];
        // Conditions for gRPC status (unavailable, cancelled, ...) and refused-stream are not implemented yet: they never fire here.
        // Envoy: 5xx includes connect failures and resets; gateway-error includes connect failures.
        var spec = new RetrySpec(
            (int)(policy.NumRetries ?? 1),
            on.Contains("5xx"),
            on.Contains("gateway-error"),
            on.Contains("connect-failure") || on.Contains("5xx") || on.Contains("gateway-error"),
            on.Contains("reset") || on.Contains("5xx"),
            codes,
            policy.PerTryTimeout is { } perTry && perTry.ToTimeSpan() > TimeSpan.Zero ? perTry.ToTimeSpan() : null)
        {
            OnRetriable4xx = on.Contains("retriable-4xx"),
        };
        if (policy.RetryBackOff is { } backOff)
        {
            var baseInterval = backOff.BaseInterval?.ToTimeSpan() is { } b && b > TimeSpan.Zero ? b : spec.BackOffBase;
            var max = backOff.MaxInterval?.ToTimeSpan() is { } m && m > TimeSpan.Zero ? m : baseInterval * 10;
            spec = spec with { BackOffBase = baseInterval, BackOffMax = max < baseInterval ? baseInterval : max };
        }
        return spec is { On5xx: false, OnGatewayError: false, OnConnectFailure: false, OnReset: false, OnRetriable4xx: false, RetriableStatusCodes.IsEmpty: true } ? null : spec;
    }

    private static RedirectAction Redirect(EnvoyRedirect redirect, string where)
    {
        var status = redirect.ResponseCode switch
        {
            EnvoyRedirect.Types.RedirectResponseCode.MovedPermanently => 301,
            EnvoyRedirect.Types.RedirectResponseCode.Found => 302,
            EnvoyRedirect.Types.RedirectResponseCode.SeeOther => 303,
            EnvoyRedirect.Types.RedirectResponseCode.TemporaryRedirect => 307,
            EnvoyRedirect.Types.RedirectResponseCode.PermanentRedirect => 308,
            var other => throw new TranslationException($"{where}.response_code: {other}: unknown"),
        };
        var scheme = redirect.SchemeRewriteSpecifierCase switch
        {
            EnvoyRedirect.SchemeRewriteSpecifierOneofCase.HttpsRedirect when redirect.HttpsRedirect => "https",
            EnvoyRedirect.SchemeRewriteSpecifierOneofCase.SchemeRedirect => redirect.SchemeRedirect,
            _ => null,
        };
        if (redirect.PathRewriteSpecifierCase is EnvoyRedirect.PathRewriteSpecifierOneofCase.PrefixRewrite or EnvoyRedirect.PathRewriteSpecifierOneofCase.RegexRewrite)
            throw new TranslationException($"{where}: {redirect.PathRewriteSpecifierCase}: not supported (path_redirect is)");
        var path = redirect.PathRewriteSpecifierCase == EnvoyRedirect.PathRewriteSpecifierOneofCase.PathRedirect ? redirect.PathRedirect : null;
        return new RedirectAction(status, scheme, string.IsNullOrEmpty(redirect.HostRedirect) ? null : redirect.HostRedirect,
            redirect.PortRedirect == 0 ? null : redirect.PortRedirect, path);
    }

    private static string? Body(DataSource? body, string where) => body?.SpecifierCase switch
    {
        null or DataSource.SpecifierOneofCase.None => null,
        DataSource.SpecifierOneofCase.InlineString => body.InlineString,
        DataSource.SpecifierOneofCase.InlineBytes => body.InlineBytes.ToStringUtf8(),
        var other => throw new TranslationException($"{where}: {other}: only inline_string and inline_bytes are supported"),
    };

    private static HeaderOperations Headers(
        IEnumerable<HeaderValueOption> requestAdd, IEnumerable<string> requestRemove,
        IEnumerable<HeaderValueOption> responseAdd, IEnumerable<string> responseRemove)
    {
        var result = new HeaderOperations([.. requestAdd.Select(Value)], [.. requestRemove], [.. responseAdd.Select(Value)], [.. responseRemove]);
        return result.IsEmpty ? HeaderOperations.None : result;
    }

    // The deprecated bool `append` wins when set, as in Envoy.
#pragma warning disable CS0612
    private static HeaderValue Value(HeaderValueOption option) => new(
        option.Header.Key,
        option.Header.Value,
        option.Append ?? option.AppendAction == HeaderValueOption.Types.HeaderAppendAction.AppendIfExistsOrAdd);
#pragma warning restore CS0612
}
