using Envoy.Config.Core.V3;
using Envoy.Config.Route.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Api.Model;
using Route = Envoy.Config.Route.V3.Route;
using Mesh.Api.Hosts;

namespace Mesh.Grains.Generators;

/// <summary>Where a route is being built: the host's view, the port, and the VirtualService's namespace.</summary>
/// <param name="Resolve">Views of other hosts, for their single port and DestinationRule; optional.</param>
internal sealed record RouteContext(ServiceView View, ServicePort Port, string ConfigNamespace, Func<string, ServiceView?>? Resolve);

/// <summary>Translates one (HTTPRoute, match) pair into an Envoy Route (Istio's translateRoute).</summary>
internal static class RouteTranslator
{
    /// <returns>null when the route cannot be expressed (no destination, unsupported redirect code).</returns>
    public static Route? Translate(HttpRoute http, HttpMatchRequest? match, RouteContext context)
    {
        var route = new Route { Name = Name(http, match), Match = RouteMatchTranslator.Translate(match) };
        var headers = EnvoyHeaderOperations.Translate(http.Headers);
        route.RequestHeadersToAdd.AddRange(headers.RequestToAdd);
        route.RequestHeadersToRemove.AddRange(headers.RequestToRemove);
        route.ResponseHeadersToAdd.AddRange(headers.ResponseToAdd);
        route.ResponseHeadersToRemove.AddRange(headers.ResponseToRemove);

        if (http.Redirect is { } redirect)
        {
            route.Redirect = Redirect(redirect);
            if (route.Redirect is null) return null;
        }
        else if (http.DirectResponse is { } direct)
        {
            route.DirectResponse = new DirectResponseAction { Status = (uint)direct.Status };
            if (direct.Body is not null) route.DirectResponse.Body = new DataSource { InlineString = direct.Body };
        }
        else
        {
            route.Route_ = Action(http, route, headers.Authority, context);
            if (route.Route_ is null) return null;
        }

        if (RoutePolicies.Fault(http.Fault) is { } fault) route.TypedPerFilterConfig[RoutePolicies.FaultFilter] = Any.Pack(fault);
        return route;
    }

    /// <summary>
    /// Istio leaves timeouts off unless configured (0s = none). gRPC only reads max_stream_duration,
    /// and grpc_timeout_header_max caps a caller's grpc-timeout the same way for Envoy.
    /// </summary>
    public static void SetTimeout(RouteAction action, TimeSpan? timeout)
    {
        var duration = Protos.Duration(timeout ?? TimeSpan.Zero);
        action.Timeout = duration;
        action.MaxStreamDuration = new RouteAction.Types.MaxStreamDuration
        {
            MaxStreamDuration_ = duration.Clone(),
            GrpcTimeoutHeaderMax = duration.Clone(),
        };
    }

    private static string Name(HttpRoute http, HttpMatchRequest? match)
    {
        var name = http.Name ?? string.Empty;
        if (string.IsNullOrEmpty(match?.Name)) return name;
        return name.Length == 0 ? match.Name : $"{name}.{match.Name}";
    }

    private static RouteAction? Action(HttpRoute http, Route route, string? headerAuthority, RouteContext context)
    {
        if (http.Route.Count == 0) return null;
        var action = new RouteAction();
        SetTimeout(action, http.Timeout);

        var authority = headerAuthority;
        if (http.Rewrite is { } rewrite)
        {
            // Istio always uses prefix_rewrite; with an exact or regex match it replaces the whole path.
            if (!string.IsNullOrEmpty(rewrite.Uri)) action.PrefixRewrite = rewrite.Uri;
            if (!string.IsNullOrEmpty(rewrite.Authority)) authority = rewrite.Authority;
        }
        if (!string.IsNullOrEmpty(authority)) action.HostRewriteLiteral = authority;

        if (http.Mirror is { } mirror && MirrorFraction(http.MirrorPercentage) is { } fraction)
        {
            action.RequestMirrorPolicies.Add(new RouteAction.Types.RequestMirrorPolicy
            {
                Cluster = Target(mirror, context).Cluster,
                RuntimeFraction = new RuntimeFractionalPercent { DefaultValue = fraction },
            });
        }

        var destinations = Destinations(http.Route);
        if (http.Route.Count == 1)
        {
            var only = http.Route[0];
            action.Cluster = Target(only.Destination, context).Cluster;
            // Without a weighted entry to hold them, destination headers apply to the whole route.
            var headers = EnvoyHeaderOperations.Translate(only.Headers);
            route.RequestHeadersToAdd.AddRange(headers.RequestToAdd);
            route.RequestHeadersToRemove.AddRange(headers.RequestToRemove);
            route.ResponseHeadersToAdd.AddRange(headers.ResponseToAdd);
            route.ResponseHeadersToRemove.AddRange(headers.ResponseToRemove);
            if (headers.Authority is not null && action.HostRewriteSpecifierCase == RouteAction.HostRewriteSpecifierOneofCase.None)
                action.HostRewriteLiteral = headers.Authority;
        }
        else
        {
            var weighted = new WeightedCluster();
            foreach (var (destination, weight) in destinations)
                weighted.Clusters.Add(ClusterWeight(destination, weight, context));
            action.WeightedClusters = weighted;
        }

        foreach (var (destination, _) in destinations)
        {
            var target = Target(destination.Destination, context);
            var policy = TrafficPolicies.Effective(target.View?.Rule, target.Port, destination.Destination.Subset);
            if (RoutePolicies.Hash(policy?.LoadBalancer?.ConsistentHash) is { } hash && !action.HashPolicy.Contains(hash))
                action.HashPolicy.Add(hash);
        }

        if (RoutePolicies.Retry(http.Retries) is { } retry) action.RetryPolicy = retry;
        return action;
    }

    /// <summary>
    /// Zero-weight destinations get no traffic, so Istio leaves them out. If every weight is zero the
    /// config is invalid; splitting evenly keeps Envoy (which needs a positive sum) serving.
    /// </summary>
    private static List<(HttpRouteDestination Destination, uint Weight)> Destinations(IReadOnlyList<HttpRouteDestination> route)
    {
        if (route.Count == 1) return [(route[0], 100)];
        var positive = route.Where(d => d.Weight > 0).Select(d => (d, (uint)d.Weight)).ToList();
        return positive.Count > 0 ? positive : route.Select(d => (d, 1u)).ToList();
    }

    private static WeightedCluster.Types.ClusterWeight ClusterWeight(HttpRouteDestination destination, uint weight, RouteContext context)
    {
        var entry = new WeightedCluster.Types.ClusterWeight { Name = Target(destination.Destination, context).Cluster, Weight = weight };
        var headers = EnvoyHeaderOperations.Translate(destination.Headers);
        entry.RequestHeadersToAdd.AddRange(headers.RequestToAdd);
        entry.RequestHeadersToRemove.AddRange(headers.RequestToRemove);
        entry.ResponseHeadersToAdd.AddRange(headers.ResponseToAdd);
        entry.ResponseHeadersToRemove.AddRange(headers.ResponseToRemove);
        if (headers.Authority is not null) entry.HostRewriteLiteral = headers.Authority;
        return entry;
    }

    /// <summary>
    /// The cluster a destination names. Without an explicit port: the destination's only port if
    /// it has one, else the port being routed (Istio's GetDestinationCluster).
    /// </summary>
    private static (string Cluster, ServiceView? View, uint Port) Target(Destination destination, RouteContext context)
    {
        var host = HostName.Qualify(destination.Host, context.ConfigNamespace, context.View.Domain);
        var view = string.Equals(host, context.View.Service.Host, StringComparison.OrdinalIgnoreCase)
            ? context.View
            : context.Resolve?.Invoke(host);
        host = view?.Service.Host ?? host;
        var port = destination.Port?.Number
            ?? (view?.Service.Ports is [var single] ? single.Number : context.Port.Number);
        return (Names.Cluster(port, destination.Subset, host), view, port);
    }

    /// <summary>100% unless given; an explicit 0% means no mirroring at all.</summary>
    private static Envoy.Type.V3.FractionalPercent? MirrorFraction(Percent? percentage) => percentage switch
    {
        null => Protos.PerHundred(100),
        { Value: > 0 } p => Protos.PerMillion(p.Value),
        _ => null,
    };

    private static RedirectAction? Redirect(HttpRedirect redirect)
    {
        RedirectAction.Types.RedirectResponseCode? code = redirect.RedirectCode switch
        {
            0 or 301 => RedirectAction.Types.RedirectResponseCode.MovedPermanently,
            302 => RedirectAction.Types.RedirectResponseCode.Found,
            303 => RedirectAction.Types.RedirectResponseCode.SeeOther,
            307 => RedirectAction.Types.RedirectResponseCode.TemporaryRedirect,
            308 => RedirectAction.Types.RedirectResponseCode.PermanentRedirect,
            _ => null,
        };
        if (code is null) return null;

        var action = new RedirectAction { ResponseCode = code.Value };
        if (!string.IsNullOrEmpty(redirect.Authority)) action.HostRedirect = redirect.Authority;
        if (!string.IsNullOrEmpty(redirect.Uri)) action.PathRedirect = redirect.Uri;
        if (!string.IsNullOrEmpty(redirect.Scheme)) action.SchemeRedirect = redirect.Scheme;
        if (redirect.Port is { } port)
        {
            // Like Istio: no explicit :80 on http or :443 on https in the Location header.
            var scheme = string.IsNullOrEmpty(redirect.Scheme) ? "http" : redirect.Scheme;
            var isDefault = (port == 80 && scheme == "http") || (port == 443 && scheme == "https");
            if (!isDefault) action.PortRedirect = port;
        }
        return action;
    }
}
