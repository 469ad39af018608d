using Google.Protobuf;
using Mesh.Api.Hosts;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Api.Xds;
using Mesh.Grains.Generators;

namespace Mesh.Grains.Services;

/// <summary>
/// Runs the generators for one host and serializes each resource once, with its content version.
/// Per port: clusters and load assignments (one per subset too), the virtual host the sidecar
/// route tables are composed from and the sidecar's outbound listener on that table (the same for
/// every host with the port), and the proxyless gRPC listener and route table "host:port".
/// </summary>
public static class ServiceFragmentBuilder
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    /// <summary>At most this many distinct sourceLabels selectors per host get variants (2^n of them).</summary>
    public const int MaxSelectors = 5;

    /// <summary>The host's resources, and per-proxy route variants when VirtualServices use sourceLabels.</summary>
    public sealed record Output(
        IReadOnlyList<XdsResource> Resources,
        IReadOnlyList<IReadOnlyDictionary<string, string>> Selectors,
        IReadOnlyDictionary<int, IReadOnlyList<XdsResource>> Variants,
        IReadOnlyDictionary<string, LocalityPolicy>? Localities = null)
    {
        public IEnumerable<XdsResource> All => Resources.Concat(Variants.OrderBy(v => v.Key).SelectMany(v => v.Value));
    }

    /// <summary>The resources every proxy shares (no sourceLabels variants).</summary>
    public static IReadOnlyList<XdsResource> Build(
        MeshService service,
        IReadOnlyList<MeshEndpoint> endpoints,
        DestinationRule? rule,
        IReadOnlyList<VirtualService> virtualServices) =>
        BuildWithVariants(service, endpoints, rule, virtualServices).Resources;

    public static Output BuildWithVariants(
        MeshService service,
        IReadOnlyList<MeshEndpoint> endpoints,
        DestinationRule? rule,
        IReadOnlyList<VirtualService> virtualServices,
        string domain = HostName.DefaultDomain)
    {
        var view = new ServiceView(service, endpoints, rule, virtualServices) { Domain = domain };
        var resources = new List<XdsResource>();
        foreach (var cluster in ClusterGenerator.Build(view)) resources.Add(XdsResource.Pack(ResourceTypes.Cluster, cluster.Name, cluster));
        var localities = LocalityPolicies.Build(view);
        resources.AddRange(Assignments(view, localities));
        // The shared routes carry no proxy's labels: matches gated by sourceLabels are in the variants only.
        resources.AddRange(Routes(view, NoLabels));
        foreach (var port in service.Ports.Where(IsHttp))
        {
            var listener = ListenerGenerator.BuildProxylessListener(service.Host, port.Number);
            resources.Add(XdsResource.Pack(ResourceTypes.Listener, listener.Name, listener));
        }
        foreach (var port in service.Ports.Where(p => !IsHttp(p)))
        {
            // Without an address the listener is "0.0.0.0_port", the name of the HTTP outbound
            // listener below; where another host has an HTTP port of that number, the hub serves
            // the HTTP one (Silo/Push/SidecarResources adds it after every host's resources).
            var cluster = Names.Cluster(port.Number, null, service.Host);
            foreach (var address in service.Addresses.DefaultIfEmpty("0.0.0.0"))
            {
                var listener = ListenerGenerator.BuildSidecarTcpListener(address, port.Number, cluster);
                resources.Add(XdsResource.Pack(ResourceTypes.Listener, listener.Name, listener));
            }
        }
        foreach (var port in service.Ports.Where(IsHttp))
        {
            // The sidecar's outbound listener "0.0.0.0_port" on route table "port", which the hub
            // composes from every host's virtual host on the port: each host with the port emits
            // the same bytes, so the hub builds no listener. It depends on no proxy's labels, so
            // it is not in the variants. Last, so it wins over a TCP listener of the same name.
            var outbound = ListenerGenerator.BuildSidecarOutboundListener(port.Number, Names.SidecarRoute(port.Number));
            resources.Add(XdsResource.Pack(ResourceTypes.Listener, outbound.Name, outbound));
        }

        var selectors = Selectors(virtualServices);
        var variants = new Dictionary<int, IReadOnlyList<XdsResource>>();
        for (var mask = 1; mask < 1 << selectors.Count; mask++)
        {
            // A proxy satisfying exactly these selectors carries at least their union of labels;
            // selectors that disagree on a key can never be satisfied together.
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var consistent = true;
            for (var i = 0; i < selectors.Count && consistent; i++)
                if ((mask & (1 << i)) != 0)
                    foreach (var (k, v) in selectors[i])
                        consistent &= labels.TryAdd(k, v) || labels[k] == v;
            if (consistent) variants[mask] = Routes(view, labels);
        }
        return new Output(resources, selectors, variants, localities.Count > 0 ? localities : null);
    }

    /// <summary>
    /// After a change of endpoints only: the previous output with its load assignments rebuilt (and
    /// its clusters, where DNS clusters carry their endpoints inline). Routes, listeners and route
    /// variants depend on the service and its config, not on endpoints, so they are kept as they are:
    /// an endpoint churn costs the assignments alone.
    /// </summary>
    public static Output RebuildEndpoints(
        Output previous,
        MeshService service,
        IReadOnlyList<MeshEndpoint> endpoints,
        DestinationRule? rule,
        IReadOnlyList<VirtualService> virtualServices,
        string domain = HostName.DefaultDomain)
    {
        var view = new ServiceView(service, endpoints, rule, virtualServices) { Domain = domain };
        var inlineEndpoints = service.Resolution is ServiceResolution.Dns or ServiceResolution.DnsRoundRobin;
        var resources = new List<XdsResource>(previous.Resources.Count);
        if (inlineEndpoints)
            foreach (var cluster in ClusterGenerator.Build(view)) resources.Add(XdsResource.Pack(ResourceTypes.Cluster, cluster.Name, cluster));
        else
            resources.AddRange(previous.Resources.Where(r => r.TypeUrl == ResourceTypes.Cluster));
        resources.AddRange(Assignments(view, previous.Localities ?? new Dictionary<string, LocalityPolicy>()));
        resources.AddRange(previous.Resources.Where(r => r.TypeUrl is not (ResourceTypes.Cluster or ResourceTypes.ClusterLoadAssignment)));
        return previous with { Resources = resources };
    }

    private static IEnumerable<XdsResource> Assignments(ServiceView view, IReadOnlyDictionary<string, LocalityPolicy> localities)
    {
        foreach (var cla in EndpointGenerator.Build(view))
        {
            var packed = XdsResource.Pack(ResourceTypes.ClusterLoadAssignment, cla.ClusterName, cla);
            // The policy is part of what a proxy is served: a policy-only change must be a change.
            if (localities.TryGetValue(cla.ClusterName, out var policy))
                packed = packed with { Version = ContentVersion.Of(System.Text.Encoding.UTF8.GetBytes(packed.Version + "|" + policy.Fingerprint())) };
            yield return packed;
        }
    }

    private static List<XdsResource> Routes(ServiceView view, IReadOnlyDictionary<string, string> labels)
    {
        var resources = new List<XdsResource>();
        foreach (var port in view.Service.Ports.Where(IsHttp))
        {
            var vhost = RouteGenerator.BuildVirtualHost(view, port, labels);
            resources.Add(XdsResource.Pack(ResourceTypes.VirtualHost, vhost.Name, vhost));
            var routes = RouteGenerator.BuildRouteConfiguration(view, port, labels);
            resources.Add(XdsResource.Pack(ResourceTypes.RouteConfiguration, routes.Name, routes));
        }
        return resources;
    }

    private static List<IReadOnlyDictionary<string, string>> Selectors(IReadOnlyList<VirtualService> virtualServices) =>
        virtualServices.SelectMany(vs => vs.Spec.Http).SelectMany(r => r.Match)
            .Where(m => m.SourceLabels.Count > 0)
            .Select(m => (IReadOnlyDictionary<string, string>)new SortedDictionary<string, string>(m.SourceLabels.ToDictionary(), StringComparer.Ordinal))
            .DistinctBy(s => string.Join(",", s.Select(kv => $"{kv.Key}={kv.Value}")))
            .Take(MaxSelectors)
            .ToList();

    /// <summary>Ports that get routes (virtual hosts, gRPC listeners); TCP and TLS ports get clusters only, as in Istio.</summary>
    public static bool IsHttp(ServicePort port) =>
        port.Protocol.ToUpperInvariant() is "HTTP" or "HTTP2" or "GRPC" or "GRPC-WEB";
}
