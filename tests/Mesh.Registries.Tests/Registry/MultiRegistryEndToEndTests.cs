using System.Diagnostics;
using System.Text.Json;
using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Registries.Consul;
using Mesh.Registries.Kubernetes;
using Mesh.Registries.Tests.Kubernetes;
using Mesh.Testing;
using Mesh.Testing.Consul;
using Mesh.Testing.Kubernetes;
using Xunit.Abstractions;

namespace Mesh.Registries.Tests.Registry;

/// <summary>
/// One host served from two registries at once, the way a team moving VMs from Consul into
/// Kubernetes runs it: Consul's domain set to the namespace's cluster domain, so Consul's "web" and
/// the Service web.demo are one host. A real silo runs both registries (real KubernetesClient
/// against the fake API server, the Consul client against FakeConsul) and a real ADS client watches
/// the host's EDS: each shard's changes arrive on their own, and either source going away leaves
/// its endpoints served until it is back.
/// </summary>
public sealed class MultiRegistryEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Cluster = "outbound|80||web.demo.svc.cluster.local";
    private FakeApiServer _kube = null!;
    private FakeConsul _consul = null!;
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        _kube = await FakeApiServer.StartAsync();
        _kube.Apply(KubeObjects.Namespace("demo"));
        _kube.Apply(KubeObjects.Node("node-a", "eu-west", "eu-west-1a"));
        _kube.Apply(KubeObjects.Service("demo", "web", "10.96.0.10", KubeObjects.Port("http", 80, 8080)));
        _kube.Apply(Slice(("10.1.0.1", true)));
        _consul = await FakeConsul.StartAsync(null, "dc1");
        _consul.Register(Vm("web-vm-1", "10.2.0.1"));
        _silo = await SiloFixture.StartAsync(
            kubernetes: _kube.RegistryOptions(),
            consul: new ConsulOptions(_consul.Address, ["dc1"], null, Domain: "demo.svc.cluster.local", Namespace: "demo")
            {
                Wait = TimeSpan.FromSeconds(30),
                RetryMin = TimeSpan.FromMilliseconds(20),
                RetryMax = TimeSpan.FromMilliseconds(200),
                QueryInterval = TimeSpan.FromMilliseconds(10),
            });
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _consul.DisposeAsync();
        await _kube.DisposeAsync();
    }

    private static k8s.Models.V1EndpointSlice Slice(params (string Ip, bool Ready)[] endpoints) =>
        KubeObjects.Slice("demo", "web", "web-abc12", [KubeObjects.SlicePort("http", 8080)],
            [.. endpoints.Select(e => KubeObjects.Endpoint(e.Ip, node: "node-a", ready: e.Ready))]);

    // The VMs listen where the pods do (the Service's targetPort), as after a lift-and-shift.
    private static FakeInstance Vm(string id, string address) =>
        new(id, "web", address, 8080) { Meta = new Dictionary<string, string> { ["protocol"] = "http" } };

    private static List<(string Address, uint Port, string Region)> Endpoints(DiscoveryResponse response) =>
        [.. response.Resources.Select(r => r.Unpack<ClusterLoadAssignment>())
            .SelectMany(c => c.Endpoints).SelectMany(l => l.LbEndpoints.Select(e => (l.Locality, e)))
            .Select(x => (x.e.Endpoint.Address.SocketAddress.Address, x.e.Endpoint.Address.SocketAddress.PortValue, x.Locality.Region))
            .OrderBy(e => e.Address, StringComparer.Ordinal)];

    private static string[] Addresses(DiscoveryResponse response) => [.. Endpoints(response).Select(e => e.Address)];

    private static async Task<DiscoveryResponse> SubscribeAsync(AdsClient ads, params string[] addresses)
    {
        await ads.SendAsync(ResourceTypes.ClusterLoadAssignment, [Cluster]);
        var first = await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => Addresses(r).SequenceEqual(addresses),
            $"{Cluster} with {string.Join(", ", addresses)}");
        await ads.AckAsync(first, [Cluster]);
        return first;
    }

    private async Task WaitStateAsync(string registry, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using var doc = JsonDocument.Parse(await _silo.Http.GetStringAsync("/debug/registryz"));
            var current = doc.RootElement.EnumerateArray().Single(r => r.GetProperty("registry").GetString() == registry)
                .GetProperty("state").GetString();
            if (current == state) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"/debug/registryz: {registry} is {current}, not {state}, after 15 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task OneHost_KubernetesAndConsul_BothInEdsAndEachChangeArrives()
    {
        await using var ads = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.99~client.demo~demo.svc.cluster.local");
        var first = await SubscribeAsync(ads, "10.1.0.1", "10.2.0.1");
        // Each shard says where its endpoint is: the node's region for the pod, the datacenter for the VM.
        Assert.Equal([("10.1.0.1", 8080u, "eu-west"), ("10.2.0.1", 8080u, "dc1")], Endpoints(first));
        await _consul.WaitBlockedAsync(2);

        var clock = Stopwatch.StartNew();
        _kube.Apply(Slice(("10.1.0.1", true), ("10.1.0.2", true)));
        var podAdded = await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => Addresses(r).Length == 3, "the added pod");
        output.WriteLine($"EndpointSlice endpoint added -> EDS beside Consul's: {clock.ElapsedMilliseconds} ms");
        Assert.Equal(["10.1.0.1", "10.1.0.2", "10.2.0.1"], Addresses(podAdded));
        await ads.AckAsync(podAdded, [Cluster]);

        clock.Restart();
        _consul.SetStatus("web-vm-1", "critical");
        var vmCritical = await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => Addresses(r).Length == 2, "the VM leaving");
        output.WriteLine($"Consul check critical -> EDS keeps Kubernetes' endpoints only: {clock.ElapsedMilliseconds} ms");
        Assert.Equal(["10.1.0.1", "10.1.0.2"], Addresses(vmCritical));
        await ads.AckAsync(vmCritical, [Cluster]);

        clock.Restart();
        _consul.SetStatus("web-vm-1", "passing");
        var vmBack = await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => Addresses(r).Length == 3, "the VM back");
        output.WriteLine($"Consul check passing -> back in EDS: {clock.ElapsedMilliseconds} ms");
        Assert.Equal(["10.1.0.1", "10.1.0.2", "10.2.0.1"], Addresses(vmBack));
    }

    [Fact]
    public async Task OneSourceAway_ItsEndpointsStay_OtherSourceChangesStillArrive()
    {
        await using var ads = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.98~client.demo~demo.svc.cluster.local");
        await SubscribeAsync(ads, "10.1.0.1", "10.2.0.1");

        await _consul.StopAsync();
        await WaitStateAsync("Consul", "Disconnected");
        // Kubernetes keeps working while Consul is away; Consul's VM stays served throughout.
        _kube.Apply(Slice(("10.1.0.1", true), ("10.1.0.3", true)));
        var during = await ads.NextAsync("the pod added while Consul is away");
        Assert.Equal(ResourceTypes.ClusterLoadAssignment, during.TypeUrl);
        Assert.Equal(["10.1.0.1", "10.1.0.3", "10.2.0.1"], Addresses(during));
        await ads.AckAsync(during, [Cluster]);

        await _kube.DownAsync();
        await WaitStateAsync("Kubernetes", "Disconnected");
        _consul.Register(Vm("web-vm-2", "10.2.0.2"));
        await _consul.StartAsync();
        await WaitStateAsync("Consul", "Synced");
        // Consul's return sends exactly its one change; the API server is still away and its pods stay.
        var consulBack = await ads.NextAsync("the VM registered while Consul was away");
        Assert.Equal(["10.1.0.1", "10.1.0.3", "10.2.0.1", "10.2.0.2"], Addresses(consulBack));
        await ads.AckAsync(consulBack, [Cluster]);

        await _kube.UpAsync();
        await WaitStateAsync("Kubernetes", "Synced");
        // The relist after the outage finds nothing new, so the next push is the next real change.
        _kube.Apply(Slice(("10.1.0.1", true)));
        var afterRelist = await ads.NextAsync("the pod removed after the API server came back");
        Assert.Equal(["10.1.0.1", "10.2.0.1", "10.2.0.2"], Addresses(afterRelist));
    }
}
