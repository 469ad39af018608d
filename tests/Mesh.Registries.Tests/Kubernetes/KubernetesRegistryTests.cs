using k8s;
using k8s.Models;
using Mesh.Api.Model;
using Mesh.Registries.Kubernetes;
using Mesh.Registries.Registry;
using Mesh.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>The registry over the real client and the fake API server, reporting to a recording updater.</summary>
public sealed class KubernetesRegistryTests : IAsyncLifetime
{
    private const string Web = "web.demo.svc.cluster.local";
    private FakeApiServer _server = null!;
    private IKubernetes _client = null!;
    private KubernetesRegistry _registry = null!;
    private readonly RecordingUpdater _updater = new();

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _server.Apply(KubeObjects.Namespace("demo", new() { ["topology.istio.io/network"] = "net-1" }));
        _server.Apply(KubeObjects.Node("node-a", "eu-west", "eu-west-1a", "rack-7"));
        _server.Apply(KubeObjects.Node("node-b", "eu-west", "eu-west-1b"));
        _server.Apply(KubeObjects.Pod("demo", "web-5d9c8b7f6-aaaaa", "10.1.0.1", "node-a", "web", "web-sa", new() { ["app"] = "web", ["version"] = "v1" }));
        _server.Apply(KubeObjects.Pod("demo", "web-5d9c8b7f6-bbbbb", "10.1.0.2", "node-b", "web", "web-sa", new() { ["app"] = "web", ["version"] = "v2" }));
        _server.Apply(KubeObjects.Service("demo", "web", "10.96.0.10",
            KubeObjects.Port("http", 80, 8080),
            KubeObjects.Port("grpc-api", 9090),
            KubeObjects.Port("grpc-web", 9091),
            KubeObjects.Port("metrics", 9100, appProtocol: "http2"),
            KubeObjects.Port(null, 5000),
            KubeObjects.Port("dns", 53, protocol: "UDP")));
        _server.Apply(KubeObjects.Slice("demo", "web", "web-abc12",
            [KubeObjects.SlicePort("http", 8080), KubeObjects.SlicePort("grpc-api", 9090)],
            KubeObjects.Endpoint("10.1.0.1", "web-5d9c8b7f6-aaaaa", "node-a"),
            KubeObjects.Endpoint("10.1.0.2", "web-5d9c8b7f6-bbbbb", "node-b")));
        _server.Apply(KubeObjects.Service("demo", "other", "10.96.0.11", KubeObjects.Port("http", 80)));

        _client = KubernetesClientFactory.Create(new KubernetesOptions(_server.WriteKubeconfig(Directory.CreateTempSubdirectory("mesh-kube-").FullName)));
        var options = new KubernetesOptions("unused", "cluster-1") { RetryInitial = TimeSpan.FromMilliseconds(20), RetryMax = TimeSpan.FromMilliseconds(200) };
        _registry = new KubernetesRegistry(options, _client, _updater, TimeProvider.System, NullLoggerFactory.Instance);
        await _registry.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => _registry.Status.State == RegistryState.Synced, "registry synced");
    }

    public async Task DisposeAsync()
    {
        await _registry.StopAsync(CancellationToken.None);
        _registry.Dispose();
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private Task<IReadOnlyList<MeshEndpoint>> EndpointsAsync(string host, Func<IReadOnlyList<MeshEndpoint>, bool> done, string what) =>
        Eventually.GetAsync(() => _updater.Endpoints(host), done, what);

    [Fact]
    public void Start_Service_PublishesHostPortsProtocolsAndClusterIp()
    {
        var service = _updater.Service(Web)!;
        Assert.Equal("demo", service.Namespace);
        Assert.Equal(["10.96.0.10"], service.Addresses);
        Assert.Equal(ServiceResolution.Static, service.Resolution);
        Assert.Equal(ServiceLocation.MeshInternal, service.Location);
        Assert.Equal("web", service.Labels["app"]);
        Assert.Equal(
            [("http", 80u, "HTTP", (uint?)8080u), ("grpc-api", 9090u, "GRPC", 9090u), ("grpc-web", 9091u, "GRPC-WEB", 9091u),
             ("metrics", 9100u, "HTTP2", 9100u), ("", 5000u, "TCP", 5000u)],
            service.Ports.Select(p => (p.Name, p.Number, p.Protocol, p.TargetPort)));
        Assert.Equal(new ShardKey("Kubernetes", "cluster-1"), _registry.Shard);
        Assert.Equal(2, _registry.Status.Services);
    }

    [Fact]
    public void Start_Endpoints_CarryPodLabelsServiceAccountWorkloadLocalityAndNetwork()
    {
        var endpoints = _updater.Endpoints(Web).OrderBy(e => e.Address).ToList();
        Assert.Equal(["10.1.0.1", "10.1.0.2"], endpoints.Select(e => e.Address));
        var a = endpoints[0];
        Assert.Equal("v1", a.Labels["version"]);
        // Istio's augmented labels: where the pod runs, for subsets by cluster, zone or node.
        Assert.Equal(("cluster-1", "eu-west", "eu-west-1a", "rack-7", "node-a", "net-1"),
            (a.Labels["topology.istio.io/cluster"], a.Labels["topology.kubernetes.io/region"], a.Labels["topology.kubernetes.io/zone"],
             a.Labels["topology.istio.io/subzone"], a.Labels["kubernetes.io/hostname"], a.Labels["topology.istio.io/network"]));
        Assert.Equal("web-sa", a.ServiceAccount);
        Assert.Equal("web", a.WorkloadName);
        Assert.Equal("eu-west/eu-west-1a/rack-7", a.Locality);
        Assert.Equal("eu-west/eu-west-1b", endpoints[1].Locality);
        Assert.Equal("net-1", a.Network);
        Assert.Equal(EndpointHealth.Healthy, a.Health);
        Assert.Equal(8080u, a.Ports["http"]);
        Assert.Equal(9090u, a.Ports["grpc-api"]);
    }

    [Fact]
    public async Task SliceChange_NotReadyAndTerminating_BecomeUnhealthyAndDraining()
    {
        _server.Apply(KubeObjects.Slice("demo", "web", "web-abc12",
            [KubeObjects.SlicePort("http", 8080)],
            KubeObjects.Endpoint("10.1.0.1", "web-5d9c8b7f6-aaaaa", "node-a", ready: false),
            KubeObjects.Endpoint("10.1.0.2", "web-5d9c8b7f6-bbbbb", "node-b", ready: false, serving: true, terminating: true)));

        var endpoints = await EndpointsAsync(Web, e => e.All(x => x.Health != EndpointHealth.Healthy), "health from conditions");
        Assert.Equal(EndpointHealth.Unhealthy, endpoints.Single(e => e.Address == "10.1.0.1").Health);
        Assert.Equal(EndpointHealth.Draining, endpoints.Single(e => e.Address == "10.1.0.2").Health);
    }

    [Fact]
    public async Task PodLabelChange_RepublishesOnlyItsHost()
    {
        var before = _updater.Calls.Count;
        _server.Apply(KubeObjects.Pod("demo", "web-5d9c8b7f6-aaaaa", "10.1.0.1", "node-a", "web", "web-sa", new() { ["app"] = "web", ["version"] = "v3" }));

        await EndpointsAsync(Web, e => e.Any(x => x.Labels.GetValueOrDefault("version") == "v3"), "the pod's new label");
        Assert.Equal([("endpoints", Web)], _updater.Calls.Skip(before));
    }

    [Fact]
    public async Task NodeMoves_LocalityFollows()
    {
        _server.Apply(KubeObjects.Node("node-b", "us-east", "us-east-1c"));

        await EndpointsAsync(Web, e => e.Any(x => x.Locality == "us-east/us-east-1c"), "the node's new locality");
    }

    [Fact]
    public async Task HeadlessService_HasNoAddressAndPassesThrough()
    {
        _server.Apply(KubeObjects.Service("demo", "db", null, KubeObjects.Port("tcp-pg", 5432)));
        _server.Apply(KubeObjects.Slice("demo", "db", "db-xyz", [KubeObjects.SlicePort("tcp-pg", 5432)], KubeObjects.Endpoint("10.1.0.9")));

        await EndpointsAsync("db.demo.svc.cluster.local", e => e.Count == 1, "the headless service's endpoint");
        var service = _updater.Service("db.demo.svc.cluster.local")!;
        Assert.Empty(service.Addresses);
        Assert.Equal(ServiceResolution.None, service.Resolution);
        Assert.Equal("TCP", Assert.Single(service.Ports).Protocol);
    }

    [Fact]
    public async Task ExternalNameService_ResolvesTheExternalNameByDns()
    {
        var svc = KubeObjects.Service("demo", "payments", null, KubeObjects.Port("https", 443));
        svc.Spec.Type = "ExternalName";
        svc.Spec.ExternalName = "api.payments.example.com";
        svc.Spec.ClusterIP = null;
        svc.Spec.ClusterIPs = null;
        _server.Apply(svc);

        var endpoint = Assert.Single(await EndpointsAsync("payments.demo.svc.cluster.local", e => e.Count == 1, "the external name as endpoint"));
        Assert.Equal("api.payments.example.com", endpoint.Address);
        Assert.Equal(443u, endpoint.Ports["https"]);
        var service = _updater.Service("payments.demo.svc.cluster.local")!;
        Assert.Equal(ServiceResolution.Dns, service.Resolution);
        Assert.Equal(ServiceLocation.MeshExternal, service.Location);
        Assert.Equal("HTTPS", Assert.Single(service.Ports).Protocol);
    }

    [Fact]
    public async Task ServiceDeleted_IsWithdrawn()
    {
        _server.Delete<V1Service>("demo", "other");

        await Eventually.TrueAsync(() => _updater.Service("other.demo.svc.cluster.local") is null, "other withdrawn");
        Assert.NotNull(_updater.Service(Web));
    }

    [Fact]
    public async Task ApiServerAway_KeepsStateReportsDisconnected_ThenRelistPublishesOnlyTheDifference()
    {
        await _server.DownAsync();
        var down = await Eventually.GetAsync(() => _registry.Status, s => s.State == RegistryState.Disconnected, "Disconnected");
        Assert.NotNull(down.DisconnectedSince);
        Assert.NotNull(down.LastError);
        Assert.Equal(2, down.Services);
        Assert.Equal(2, _updater.Endpoints(Web).Count);
        var callsBefore = _updater.Calls.Count;
        _server.Delete<V1Service>("demo", "other");

        await _server.UpAsync();

        await Eventually.TrueAsync(() => _updater.Service("other.demo.svc.cluster.local") is null, "other withdrawn after the relist");
        var up = await Eventually.GetAsync(() => _registry.Status, s => s.State == RegistryState.Synced, "Synced again");
        Assert.Null(up.DisconnectedSince);
        Assert.Equal(1, up.Services);
        // Web did not change while the server was away, so the relists told the mesh nothing about it.
        Assert.DoesNotContain(_updater.Calls.Skip(callsBefore), c => c.Host == Web);
        Assert.Equal(2, _updater.Endpoints(Web).Count);
    }
}
