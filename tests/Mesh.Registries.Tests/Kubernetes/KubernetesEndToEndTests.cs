using System.Diagnostics;
using System.Text.Json;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Registries.Kubernetes;
using Mesh.Testing;
using Mesh.Testing.Kubernetes;
using Xunit.Abstractions;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>
/// The whole path: the real KubernetesClient reading the fake API server, the registry in a real
/// silo, and a real ADS client subscribed to the service's EDS.
/// </summary>
public sealed class KubernetesEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Cluster = "outbound|80||web.demo.svc.cluster.local";
    private FakeApiServer _server = null!;
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _server.Apply(KubeObjects.Namespace("demo"));
        _server.Apply(KubeObjects.Node("node-a", "eu-west", "eu-west-1a"));
        _server.Apply(KubeObjects.Service("demo", "web", "10.96.0.10", KubeObjects.Port("http", 80, 8080)));
        _server.Apply(Slice(("10.1.0.1", true)));
        _silo = await SiloFixture.StartAsync(kubernetes: _server.RegistryOptions());
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static k8s.Models.V1EndpointSlice Slice(params (string Ip, bool Ready)[] endpoints) =>
        KubeObjects.Slice("demo", "web", "web-abc12", [KubeObjects.SlicePort("http", 8080)],
            [.. endpoints.Select(e => KubeObjects.Endpoint(e.Ip, node: "node-a", ready: e.Ready))]);

    private static List<(string Address, uint Port, HealthStatus Health)> Endpoints(DiscoveryResponse response) =>
        [.. response.Resources.Select(r => r.Unpack<ClusterLoadAssignment>())
            .SelectMany(c => c.Endpoints).SelectMany(l => l.LbEndpoints)
            .Select(e => (e.Endpoint.Address.SocketAddress.Address, e.Endpoint.Address.SocketAddress.PortValue, e.HealthStatus))
            .OrderBy(e => e.Address, StringComparer.Ordinal)];

    private static async Task<DiscoveryResponse> SubscribeAsync(AdsClient ads, int count)
    {
        await ads.SendAsync(ResourceTypes.ClusterLoadAssignment, [Cluster]);
        var first = await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => Endpoints(r).Count == count, $"{count} endpoints");
        await ads.AckAsync(first, [Cluster]);
        return first;
    }

    private async Task<string> KubernetesStateAsync()
    {
        using var doc = JsonDocument.Parse(await _silo.Http.GetStringAsync("/debug/registryz"));
        return doc.RootElement.EnumerateArray().Single(r => r.GetProperty("registry").GetString() == "Kubernetes").GetProperty("state").GetString()!;
    }

    private async Task WaitStateAsync(string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await KubernetesStateAsync() != state)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"registryz did not show Kubernetes {state} within 10 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task EndpointSliceChange_ReachesEds()
    {
        await using var ads = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.99~client.demo~demo.svc.cluster.local");
        var first = await SubscribeAsync(ads, 1);
        Assert.Equal([("10.1.0.1", 8080u, HealthStatus.Healthy)], Endpoints(first));

        var clock = Stopwatch.StartNew();
        _server.Apply(Slice(("10.1.0.1", true), ("10.1.0.2", true)));
        var added = await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => Endpoints(r).Count == 2, "the added endpoint");
        output.WriteLine($"EndpointSlice endpoint added -> EDS: {clock.ElapsedMilliseconds} ms");
        Assert.Equal([("10.1.0.1", 8080u, HealthStatus.Healthy), ("10.1.0.2", 8080u, HealthStatus.Healthy)], Endpoints(added));
        await ads.AckAsync(added, [Cluster]);

        clock.Restart();
        _server.Apply(Slice(("10.1.0.1", true), ("10.1.0.2", false)));
        // Istio's default (PILOT_SEND_UNHEALTHY_ENDPOINTS=false): a not-ready endpoint leaves EDS.
        var notReady = await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => Endpoints(r).Count == 1, "the endpoint not ready");
        output.WriteLine($"EndpointSlice endpoint not ready -> EDS: {clock.ElapsedMilliseconds} ms");
        Assert.Equal([("10.1.0.1", 8080u, HealthStatus.Healthy)], Endpoints(notReady));
    }

    [Fact]
    public async Task ApiServerAway_ServedEndpointsStay_ThenOnlyTheChangeArrives()
    {
        await using var ads = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.99~client.demo~demo.svc.cluster.local");
        await SubscribeAsync(ads, 1);

        await _server.DownAsync();
        await WaitStateAsync("Disconnected");
        // A proxy that connects during the outage is served what the registry last knew.
        await using (var late = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.98~late.demo~demo.svc.cluster.local"))
            Assert.Equal([("10.1.0.1", 8080u, HealthStatus.Healthy)], Endpoints(await SubscribeAsync(late, 1)));
        _server.Apply(Slice(("10.1.0.1", true), ("10.1.0.3", true)));

        var clock = Stopwatch.StartNew();
        await _server.UpAsync();
        // The very next EDS push is the change made meanwhile: nothing was withdrawn and re-added in between.
        var next = await ads.NextAsync("EDS after the API server came back");
        output.WriteLine($"API server back -> change in EDS: {clock.ElapsedMilliseconds} ms");
        Assert.Equal(ResourceTypes.ClusterLoadAssignment, next.TypeUrl);
        Assert.Equal([("10.1.0.1", 8080u, HealthStatus.Healthy), ("10.1.0.3", 8080u, HealthStatus.Healthy)], Endpoints(next));
        await WaitStateAsync("Synced");
    }

    [Fact]
    public async Task DestinationRuleSubsetByZone_SelectsOnlyThatZonesPods()
    {
        // Istio adds topology labels to every pod's endpoint, so a subset can be a zone.
        _server.Apply(KubeObjects.Node("node-b", "eu-west", "eu-west-1b"));
        _server.Apply(KubeObjects.Slice("demo", "web", "web-abc12", [KubeObjects.SlicePort("http", 8080)],
            KubeObjects.Endpoint("10.1.0.1", node: "node-a"), KubeObjects.Endpoint("10.1.0.2", node: "node-b")));
        _server.ApplyJson(FakeResource.DestinationRules, """
            {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
             "metadata": {"name": "web-zones", "namespace": "demo"},
             "spec": {"host": "web.demo.svc.cluster.local",
                      "subsets": [{"name": "zone-b", "labels": {"topology.kubernetes.io/zone": "eu-west-1b"}}]}}
            """);
        const string zoneB = "outbound|80|zone-b|web.demo.svc.cluster.local";
        await using var ads = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.97~zones.demo~demo.svc.cluster.local");

        await ads.SendAsync(ResourceTypes.ClusterLoadAssignment, [zoneB]);
        var assignment = await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => Endpoints(r).Count > 0, "the zone's endpoints");

        Assert.Equal([("10.1.0.2", 8080u, HealthStatus.Healthy)], Endpoints(assignment));
    }
}
