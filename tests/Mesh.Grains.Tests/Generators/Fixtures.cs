using Mesh.Api.Model;
using Mesh.Grains.Generators;

namespace Mesh.Grains.Tests.Generators;

/// <summary>Terse builders for model objects: every test states only what it is about.</summary>
internal static class Fixtures
{
    public const string Host = "reviews.default.svc.cluster.local";
    public static readonly ServicePort HttpPort = new(9080, "HTTP", "http", null);
    public static readonly ServicePort GrpcPort = new(7070, "GRPC", "grpc", 17070);

    public static MeshService Service(ServiceResolution resolution = ServiceResolution.Static, string host = Host, params ServicePort[] ports) =>
        new(host, "default", ports.Length == 0 ? [HttpPort] : ports, new Dictionary<string, string>(), ServiceLocation.MeshInternal, resolution, []);

    public static MeshEndpoint Endpoint(
        string address,
        string labels = "",
        string? locality = null,
        uint weight = 0,
        EndpointHealth health = EndpointHealth.Healthy,
        IReadOnlyDictionary<string, uint>? ports = null) =>
        new(address, ports ?? new Dictionary<string, uint>(), Labels(labels), locality, weight, health, null, null);

    /// <summary>"a=1,b=2" as a dictionary.</summary>
    public static Dictionary<string, string> Labels(string labels) =>
        labels.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('='))
            .ToDictionary(kv => kv[0], kv => kv[1]);

    public static ConfigMeta Meta(string kind, string name, string ns = "default") =>
        new(kind, "networking.istio.io/v1", name, ns, new Dictionary<string, string>());

    public static TrafficPolicy Policy(
        LoadBalancerSettings? lb = null,
        ConnectionPoolSettings? pool = null,
        OutlierDetection? outlier = null,
        params PortTrafficPolicy[] ports) =>
        new(lb, pool, outlier, null, ports);

    public static LoadBalancerSettings Simple(SimpleLoadBalancer simple) => new(simple, null);

    public static LoadBalancerSettings Hash(
        string? header = null, HttpCookie? cookie = null, bool sourceIp = false, string? query = null, ulong? ringSize = null) =>
        new(null, new ConsistentHashSettings(header, cookie, sourceIp, query, ringSize));

    public static Subset Subset(string name, string labels, TrafficPolicy? policy = null) => new(name, Labels(labels), policy);

    public static DestinationRule Rule(TrafficPolicy? policy, params Subset[] subsets) =>
        new(Meta("DestinationRule", "reviews"), new DestinationRuleSpec(Host, policy, subsets, []));

    public static VirtualService Vs(string name, IReadOnlyList<string> hosts, params HttpRoute[] http) =>
        new(Meta("VirtualService", name), new VirtualServiceSpec(hosts, [], http, []));

    public static VirtualService Vs(params HttpRoute[] http) => Vs("reviews", [Host], http);

    public static HttpRouteDestination Dest(string host = Host, string? subset = null, int weight = 0, uint? port = null, Headers? headers = null) =>
        new(new Destination(host, subset, port is { } p ? new PortSelector(p) : null), weight, headers);

    public static HttpRoute Route(params HttpMatchRequest[] matches) =>
        new(null, matches, [Dest()], null, null, null, null, null, null, null, null, null);

    public static HttpMatchRequest Match(StringMatch? uri = null) =>
        new(null, uri, null, null, null,
            new Dictionary<string, StringMatch>(), new Dictionary<string, StringMatch>(), new Dictionary<string, StringMatch>(),
            new Dictionary<string, string>(), null, false);

    public static StringMatch Exact(string value) => new(StringMatchKind.Exact, value);
    public static StringMatch Prefix(string value) => new(StringMatchKind.Prefix, value);
    public static StringMatch Regex(string value) => new(StringMatchKind.Regex, value);

    public static HeaderOperations HeaderOps(
        IReadOnlyDictionary<string, string>? set = null, IReadOnlyDictionary<string, string>? add = null, params string[] remove) =>
        new(set ?? new Dictionary<string, string>(), add ?? new Dictionary<string, string>(), remove);

    public static ServiceView View(
        MeshService? service = null,
        IReadOnlyList<MeshEndpoint>? endpoints = null,
        DestinationRule? rule = null,
        params VirtualService[] virtualServices) =>
        new(service ?? Service(), endpoints ?? [], rule, virtualServices);

    /// <summary>The routes of the reviews virtual host on the HTTP port when one VirtualService holds <paramref name="http"/>.</summary>
    public static IReadOnlyList<Envoy.Config.Route.V3.Route> RoutesFor(params HttpRoute[] http) =>
        RouteGenerator.BuildVirtualHost(View(virtualServices: Vs(http)), HttpPort).Routes;

    /// <summary>The single route produced for <paramref name="http"/>.</summary>
    public static Envoy.Config.Route.V3.Route RouteFor(HttpRoute http) => Assert.Single(RoutesFor(http));
}
