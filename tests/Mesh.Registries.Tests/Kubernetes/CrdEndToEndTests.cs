using System.Diagnostics;
using System.Text.Json;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Route.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Registries.Kubernetes;
using Mesh.Testing;
using Mesh.Testing.Kubernetes;
using Xunit.Abstractions;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>
/// Istio CRs as config through the whole path: the real KubernetesClient reading the fake API
/// server, the CRD source merged with the YAML directory in a real silo, and a real ADS client.
/// </summary>
public sealed class CrdEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Shop = "shop.mesh.local", ShopRoutes = "shop.mesh.local:9700";
    private FakeApiServer _server = null!;
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        var dir = Directory.CreateTempSubdirectory("mesh-crd-silo-").FullName;
        // The service and its subsets come from the directory; the routing comes from the cluster.
        System.IO.File.WriteAllText(Path.Combine(dir, "shop.yaml"),
            SampleConfig.ServiceEntry(Shop, 9700, ("127.0.0.1", 9701, "v1"), ("127.0.0.2", 9701, "v2"))
            + "\n---\n" + SampleConfig.DestinationRule(Shop, "v1", "v2"));
        _silo = await SiloFixture.StartAsync(dir, kubernetes: _server.RegistryOptions());
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static string[] RouteClusters(DiscoveryResponse response) =>
        [.. response.Resources.Select(r => r.Unpack<RouteConfiguration>()).SelectMany(c => c.VirtualHosts).SelectMany(v => v.Routes).Select(r => r.Route_.Cluster)];

    private async Task<AdsClient> SubscribeRoutesAsync(string node, string expectedCluster)
    {
        var ads = new AdsClient(_silo.Options.XdsPort, node);
        await ads.SendAsync(ResourceTypes.RouteConfiguration, [ShopRoutes]);
        var first = await ads.NextMatchingAsync(ResourceTypes.RouteConfiguration, r => RouteClusters(r).SequenceEqual([expectedCluster]), expectedCluster);
        await ads.AckAsync(first, [ShopRoutes]);
        return ads;
    }

    private async Task<JsonElement> ConfigzAsync(Func<JsonElement, bool> until, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var doc = JsonDocument.Parse(await _silo.Http.GetStringAsync("/debug/configz"));
            if (until(doc.RootElement)) return doc.RootElement.Clone();
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"/debug/configz did not show {what} within 20 s: {doc.RootElement}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task VirtualServiceCr_Applied_ChangesRds()
    {
        await using var ads = await SubscribeRoutesAsync("crd-rds", "outbound|9700||shop.mesh.local");

        var clock = Stopwatch.StartNew();
        _server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("default", "shop", Shop, Shop, subset: "v2"));
        var routed = await ads.NextMatchingAsync(ResourceTypes.RouteConfiguration,
            r => RouteClusters(r).SequenceEqual(["outbound|9700|v2|shop.mesh.local"]), "the route to subset v2");
        output.WriteLine($"VirtualService CR applied -> RDS: {clock.ElapsedMilliseconds} ms");
        await ads.AckAsync(routed, [ShopRoutes]);

        var configz = await ConfigzAsync(c => c.GetProperty("serving").EnumerateArray().Any(o => o.GetProperty("kind").GetString() == "VirtualService"), "the VirtualService");
        var served = configz.GetProperty("serving").EnumerateArray().Single(o => o.GetProperty("kind").GetString() == "VirtualService");
        Assert.Equal("kubernetes://Kubernetes/apis/networking.istio.io/v1/namespaces/default/virtualservices/shop", served.GetProperty("origin").GetString());
    }

    [Fact]
    public async Task ServiceEntryAndDestinationRuleCrs_Applied_ReachCdsAndEds()
    {
        await using var ads = new AdsClient(_silo.Options.XdsPort, "crd-cds");
        await ads.SendAsync(ResourceTypes.Cluster, []);
        var before = await ads.NextMatchingAsync(ResourceTypes.Cluster, r => r.Resources.Count > 0, "the directory's clusters");
        await ads.AckAsync(before, []);

        var clock = Stopwatch.StartNew();
        _server.ApplyJson(FakeResource.ServiceEntries, IstioCrs.ServiceEntry("default", "ext", "ext.mesh.local", 9800, address: "127.0.0.9"));
        _server.ApplyJson(FakeResource.DestinationRules, IstioCrs.DestinationRule("default", "ext", "ext.mesh.local", "v1"));
        var clusters = await ads.NextMatchingAsync(ResourceTypes.Cluster,
            r => r.Resources.Select(x => x.Unpack<Cluster>().Name).Contains("outbound|9800|v1|ext.mesh.local"), "the CRs' clusters");
        output.WriteLine($"ServiceEntry + DestinationRule CRs applied -> CDS: {clock.ElapsedMilliseconds} ms");
        Assert.Contains("outbound|9800||ext.mesh.local", clusters.Resources.Select(x => x.Unpack<Cluster>().Name));
        Assert.Contains("outbound|9700||shop.mesh.local", clusters.Resources.Select(x => x.Unpack<Cluster>().Name));
        await ads.AckAsync(clusters, []);

        const string ext = "outbound|9800|v1|ext.mesh.local";
        await ads.SendAsync(ResourceTypes.ClusterLoadAssignment, [ext]);
        var eds = await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment,
            r => r.Resources.Any(x => x.Unpack<ClusterLoadAssignment>().Endpoints.Count > 0), "the CR's endpoint");
        var endpoint = eds.Resources.Select(x => x.Unpack<ClusterLoadAssignment>()).Single().Endpoints.Single().LbEndpoints.Single();
        Assert.Equal(("127.0.0.9", 9800u), (endpoint.Endpoint.Address.SocketAddress.Address, endpoint.Endpoint.Address.SocketAddress.PortValue));
    }

    [Fact]
    public async Task CrNamedLikeAFileObject_Applied_FileWinsAndTheConflictIsShownAndCounted()
    {
        var metrics = await _silo.Http.GetStringAsync("/metrics");
        Assert.Contains("pilot_config_objects{kind=\"DestinationRule\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("mesh_config_conflicts 0", metrics, StringComparison.Ordinal);

        // The directory already defines DestinationRule default/shop (subsets v1, v2).
        _server.ApplyJson(FakeResource.DestinationRules, IstioCrs.DestinationRule("default", "shop", Shop, "v3"));

        var configz = await ConfigzAsync(c => c.GetProperty("conflicts").GetArrayLength() > 0, "the conflict");
        var conflict = configz.GetProperty("conflicts").EnumerateArray().Single().ToString();
        Assert.Contains("shop.yaml", conflict, StringComparison.Ordinal);
        Assert.Contains("kubernetes://Kubernetes/apis/networking.istio.io/v1/namespaces/default/destinationrules/shop", conflict, StringComparison.Ordinal);
        metrics = await _silo.Http.GetStringAsync("/metrics");
        Assert.Contains("mesh_config_conflicts 1", metrics, StringComparison.Ordinal);
        Assert.Contains("pilot_config_objects{kind=\"DestinationRule\"} 1", metrics, StringComparison.Ordinal);
        // The file's rule is the one served: its subsets still route.
        _server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("default", "shop", Shop, Shop, subset: "v2"));
        await using (await SubscribeRoutesAsync("crd-conflict", "outbound|9700|v2|shop.mesh.local")) { }
    }

    [Fact]
    public async Task InvalidCr_Applied_ServedConfigStaysAndConfigzShowsTheRejection()
    {
        _server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("default", "shop", Shop, Shop, subset: "v2"));
        await using (await SubscribeRoutesAsync("crd-valid", "outbound|9700|v2|shop.mesh.local")) { }

        _server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("default", "shop", Shop, Shop, weight: 250, subset: "v1"));

        var configz = await ConfigzAsync(c => c.GetProperty("rejected").GetArrayLength() > 0, "the rejected CR");
        var rejected = configz.GetProperty("rejected").EnumerateArray().Single();
        Assert.Equal("kubernetes://Kubernetes/apis/networking.istio.io/v1/namespaces/default/virtualservices/shop", rejected.GetProperty("file").GetString());
        Assert.Equal("spec.http[0].route[0].weight", rejected.GetProperty("field").GetString());
        Assert.Equal("250", rejected.GetProperty("value").GetString());
        Assert.Contains(configz.GetProperty("sources").EnumerateArray(), s => s.GetProperty("name").GetString() == "kubernetes://Kubernetes" && s.GetProperty("synced").GetBoolean());
        Assert.Contains("galley_validation_failed{kind=\"VirtualService\"} 1", await _silo.Http.GetStringAsync("/metrics"), StringComparison.Ordinal);
        // A proxy connecting now still gets the last good route.
        await using (await SubscribeRoutesAsync("crd-after", "outbound|9700|v2|shop.mesh.local")) { }
    }
}
