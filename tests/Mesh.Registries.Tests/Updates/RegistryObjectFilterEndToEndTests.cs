using System.Text.Json;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Registries.Tests.Kubernetes;
using Mesh.Testing;
using Mesh.Testing.Kubernetes;

namespace Mesh.Registries.Tests.Updates;

/// <summary>
/// Objects Envoy would reject, from the fake API server through a real silo to a real ADS client:
/// they are left out, the rest of the same service and every other service is served, and the
/// silo says how many it dropped.
/// </summary>
public sealed class RegistryObjectFilterEndToEndTests : IAsyncLifetime
{
    private const string Web = "web.demo.svc.cluster.local";
    private const string WebCluster = "outbound|80||" + Web;
    private const string ApiCluster = "outbound|9090||api.demo.svc.cluster.local";
    private FakeApiServer _server = null!;
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _server.Apply(KubeObjects.Namespace("demo"));
        _server.Apply(KubeObjects.Service("demo", "web", "10.96.0.10", KubeObjects.Port("broken", 0), KubeObjects.Port("http", 80, 8080)));
        _server.Apply(KubeObjects.Slice("demo", "web", "web-abc12", [KubeObjects.SlicePort("http", 8080)],
            KubeObjects.Endpoint("10.1.0.1"), KubeObjects.Endpoint("999.1.1.1")));
        _server.Apply(KubeObjects.Service("demo", "api", "10.96.0.11", KubeObjects.Port("grpc", 9090)));
        _server.Apply(KubeObjects.Slice("demo", "api", "api-abc12", [KubeObjects.SlicePort("grpc", 9090)], KubeObjects.Endpoint("10.2.0.1")));
        _silo = await SiloFixture.StartAsync(kubernetes: _server.RegistryOptions());
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static List<string> ClusterNames(DiscoveryResponse response) =>
        [.. response.Resources.Select(r => r.Unpack<Cluster>().Name).Order(StringComparer.Ordinal)];

    private static Dictionary<string, List<string>> Endpoints(DiscoveryResponse response) =>
        response.Resources.Select(r => r.Unpack<ClusterLoadAssignment>()).ToDictionary(
            c => c.ClusterName,
            c => c.Endpoints.SelectMany(l => l.LbEndpoints).Select(e => $"{e.Endpoint.Address.SocketAddress.Address}:{e.Endpoint.Address.SocketAddress.PortValue}").Order().ToList());

    private async Task<int> DroppedAsync()
    {
        using var doc = JsonDocument.Parse(await _silo.Http.GetStringAsync("/debug/registryz"));
        return doc.RootElement.EnumerateArray().Single(r => r.GetProperty("registry").GetString() == "Kubernetes").GetProperty("dropped").GetInt32();
    }

    [Fact]
    public async Task BadServicePortAndEndpointAddress_LeftOutOfCdsAndEds_GoodClustersServed_DropsCounted()
    {
        await using var ads = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.99~client.demo~demo.svc.cluster.local");
        await ads.SendAsync(ResourceTypes.Cluster, []);
        var cds = await ads.NextMatchingAsync(ResourceTypes.Cluster,
            r => ClusterNames(r).Contains(WebCluster) && ClusterNames(r).Contains(ApiCluster), "the web and api clusters");
        await ads.AckAsync(cds, []);

        Assert.Equal([WebCluster], ClusterNames(cds).Where(n => n.EndsWith("|" + Web, StringComparison.Ordinal)));
        Assert.DoesNotContain(ClusterNames(cds), n => n.StartsWith("outbound|0|", StringComparison.Ordinal));

        await ads.SendAsync(ResourceTypes.ClusterLoadAssignment, [WebCluster, ApiCluster]);
        var eds = await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment,
            r => Endpoints(r).TryGetValue(WebCluster, out var web) && web.Count > 0 && Endpoints(r).ContainsKey(ApiCluster), "both assignments");
        await ads.AckAsync(eds, [WebCluster, ApiCluster]);

        Assert.Equal(["10.1.0.1:8080"], Endpoints(eds)[WebCluster]);
        Assert.Equal(["10.2.0.1:9090"], Endpoints(eds)[ApiCluster]);

        Assert.Equal(2, await DroppedAsync());
        var metrics = await _silo.Http.GetStringAsync("/metrics");
        Assert.Contains("mesh_registry_dropped_objects{registry=\"Kubernetes\",cluster=\"Kubernetes\"} 2", metrics);

        // Fixed at the source: the count follows what is dropped now.
        _server.Apply(KubeObjects.Service("demo", "web", "10.96.0.10", KubeObjects.Port("http", 80, 8080)));
        _server.Apply(KubeObjects.Slice("demo", "web", "web-abc12", [KubeObjects.SlicePort("http", 8080)],
            KubeObjects.Endpoint("10.1.0.1"), KubeObjects.Endpoint("10.1.0.2")));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await DroppedAsync() != 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("registryz still shows drops 10 s after the objects were fixed");
            await Task.Delay(20);
        }
    }
}
