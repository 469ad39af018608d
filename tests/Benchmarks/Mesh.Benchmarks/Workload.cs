using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Grains.Services;

namespace Mesh.Benchmarks;

/// <summary>
/// The model objects the benchmarks feed the control plane, shaped like samples/config's echo
/// service (a gRPC port and an HTTP port, endpoints labelled v1/v2, a DestinationRule with two
/// subsets, a VirtualService with a 90/10 split), so the numbers describe a realistic host.
/// </summary>
public static class Workload
{
    public static readonly ServicePort GrpcPort = new(50051, "GRPC", "grpc", null);
    public static readonly ServicePort HttpPort = new(8080, "HTTP", "http", null);

    public static string HostName(int i) => $"svc-{i:D4}.bench.mesh.local";

    public static MeshService Service(string host) =>
        new(host, "default", [GrpcPort, HttpPort], new Dictionary<string, string> { ["app"] = "echo" },
            ServiceLocation.MeshInternal, ServiceResolution.Static, []);

    /// <summary>count endpoints, alternately v1 and v2; seed changes every address (an "edit").</summary>
    public static IReadOnlyList<MeshEndpoint> Endpoints(int count, int seed = 0) =>
        [.. Enumerable.Range(0, count).Select(i => new MeshEndpoint(
            $"10.{seed % 256}.{i / 250}.{i % 250 + 1}",
            new Dictionary<string, uint> { ["grpc"] = 50061, ["http"] = 18081 },
            new Dictionary<string, string> { ["app"] = "echo", ["version"] = i % 2 == 0 ? "v1" : "v2" },
            null, 0, EndpointHealth.Healthy, null, null))];

    public static DestinationRule Rule(string host) => new(
        Meta("DestinationRule", host),
        new DestinationRuleSpec(
            host,
            new TrafficPolicy(new LoadBalancerSettings(SimpleLoadBalancer.RoundRobin, null), null, null, null, []),
            [
                new Subset("v1", new Dictionary<string, string> { ["version"] = "v1" }, null),
                new Subset("v2", new Dictionary<string, string> { ["version"] = "v2" },
                    new TrafficPolicy(new LoadBalancerSettings(SimpleLoadBalancer.LeastRequest, null), null, null, null, [])),
            ],
            []));

    public static VirtualService Canary(string host) => new(
        Meta("VirtualService", host),
        new VirtualServiceSpec(
            [host], [],
            [
                new HttpRoute("canary", [],
                    [
                        new HttpRouteDestination(new Destination(host, "v1"), 90, null),
                        new HttpRouteDestination(new Destination(host, "v2"), 10, null),
                    ],
                    null, null, null, TimeSpan.FromSeconds(5),
                    new HttpRetry(3, TimeSpan.FromSeconds(2), "connect-failure,refused-stream,unavailable,reset", null),
                    null, null, null, null),
            ],
            []));

    /// <summary>One host's fragments, as its ServiceGrain would derive them.</summary>
    public static ServiceFragments Fragments(string host, int endpoints, bool routed, int seed = 0)
    {
        var service = Service(host);
        var resources = ServiceFragmentBuilder.Build(
            service, Endpoints(endpoints, seed), routed ? Rule(host) : null, routed ? [Canary(host)] : []);
        return new ServiceFragments(host, ContentVersion.Of(resources, "default|"), resources, Removed: false,
            DateTimeOffset.UnixEpoch, "default", []);
    }

    private static ConfigMeta Meta(string kind, string host) =>
        new(kind, "networking.istio.io/v1", host.Split('.')[0], "default", new Dictionary<string, string>());
}
