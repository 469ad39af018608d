using System.Collections.Immutable;
using System.Globalization;
using Yarp.ReverseProxy.Configuration;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// The snapshot in YARP's own vocabulary: a ClusterConfig per xDS cluster with its routable EDS
/// endpoints as destinations, and a RouteConfig per Envoy route (Order keeps Envoy's first-match).
/// YARP's route templates cannot say Envoy's prefix, regex or weighted splits, so those live in
/// the route's metadata and the outbound router decides from the snapshot's RouteTables; these
/// configs serve YARP-side consumers (config dump, YARP's validators, later YARP health checks).
/// </summary>
public static class YarpConfigBuilder
{
    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Build(ProxySnapshot snapshot)
    {
        var clusters = snapshot.Clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => Cluster(snapshot, c)).ToList();
        var routes = new List<RouteConfig>();
        foreach (var table in snapshot.RouteTables.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            foreach (var host in table.VirtualHosts)
            {
                for (var i = 0; i < host.Routes.Length; i++) routes.Add(Route(table, host, i));
            }
        }
        return (routes, clusters);
    }

    private static ClusterConfig Cluster(ProxySnapshot snapshot, ClusterSnapshot cluster)
    {
        var destinations = snapshot.EndpointsOf(cluster)
            .Where(e => e.IsRoutable)
            .ToDictionary(e => $"{e.Address}:{e.Port}", e => new DestinationConfig { Address = $"http://{e.Address}:{e.Port}" }, StringComparer.Ordinal);
        return new ClusterConfig
        {
            ClusterId = cluster.Name,
            LoadBalancingPolicy = cluster.LoadBalancing switch
            {
                LoadBalancerKind.LeastRequest => "LeastRequests",
                LoadBalancerKind.Random => "Random",
                _ => "RoundRobin",
            },
            HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig
            {
                Version = cluster.Protocol == UpstreamProtocol.Http2 ? new Version(2, 0) : new Version(1, 1),
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            },
            Destinations = destinations,
        };
    }

    private static RouteConfig Route(RouteTable table, VirtualHostRoutes host, int index)
    {
        var route = host.Routes[index];
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["mesh.route_table"] = table.Name,
            ["mesh.virtual_host"] = host.Name,
            ["mesh.route"] = route.Name,
            ["mesh.path"] = $"{route.Match.Path.Kind}:{route.Match.Path.Value}",
        };
        string? clusterId = null;
        switch (route.Action)
        {
            case ForwardAction forward:
                clusterId = forward.Clusters[0].Cluster;
                metadata["mesh.clusters"] = string.Join(',', forward.Clusters.Select(c => $"{c.Cluster}={c.Weight}"));
                break;
            case DirectResponseAction direct:
                metadata["mesh.direct_response"] = direct.Status.ToString(CultureInfo.InvariantCulture);
                break;
            case RedirectAction redirect:
                metadata["mesh.redirect"] = redirect.Status.ToString(CultureInfo.InvariantCulture);
                break;
        }
        return new RouteConfig
        {
            RouteId = $"{table.Name}/{host.Name}/{index}",
            ClusterId = clusterId,
            Order = index,
            Match = new RouteMatch
            {
                Hosts = host.Domains.Where(d => d != "*").ToImmutableArray(),
                Path = "/{**catch-all}",
                Headers = route.Match.Headers.Where(h => !h.Name.StartsWith(':') && (h.Match is null || h.Match.Kind is StringMatchKind.Exact or StringMatchKind.Prefix or StringMatchKind.Contains))
                    .Select(Header).ToList(),
            },
            Metadata = metadata,
        };
    }

    private static RouteHeader Header(HeaderMatchSpec header) => new()
    {
        Name = header.Name,
        Values = header.Match is null ? null : [header.Match.Value],
        Mode = (header.Match?.Kind, header.Invert) switch
        {
            (null, false) => HeaderMatchMode.Exists,
            (null, true) => HeaderMatchMode.NotExists,
            (StringMatchKind.Exact, false) => HeaderMatchMode.ExactHeader,
            (StringMatchKind.Prefix, false) => HeaderMatchMode.HeaderPrefix,
            (_, false) => HeaderMatchMode.Contains,
            // YARP has no negated exact or prefix: the nearest it can say (metadata keeps the truth).
            _ => HeaderMatchMode.NotContains,
        },
        IsCaseSensitive = header.Match is { IgnoreCase: false },
    };
}
