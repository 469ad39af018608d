using k8s;
using k8s.Models;
using Mesh.Api.Model;
using Mesh.Registries.Config;
using Mesh.Registries.Kubernetes;
using Mesh.Registries.Registry;
using Mesh.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>
/// ServiceEntry workloadSelectors picking pods: the registry over the real client and the fake API
/// server, given the served config through a <see cref="ConfigFeed"/>, reporting to a recording updater.
/// </summary>
public sealed class KubernetesServiceEntryTests : IAsyncLifetime
{
    private const string Ratings = "ratings.example.com";
    private static readonly Dictionary<string, string> App = new() { ["app"] = "ratings" };
    private FakeApiServer _server = null!;
    private IKubernetes _client = null!;
    private KubernetesRegistry _registry = null!;
    private readonly ConfigFeed _feed = new();
    private readonly RecordingUpdater _updater = new();

    private static ServiceEntry Entry(IReadOnlyDictionary<string, string>? selector = null, params string[] hosts) =>
        SelectedPods.Entry("demo", "ratings", selector ?? App, hosts.Length == 0 ? [Ratings] : hosts, [new ServicePort(80, "HTTP", "http", 8080)]);

    private static V1Pod Pod(string name, string ip, Dictionary<string, string>? labels = null, bool ready = true, string node = "node-a") =>
        SelectedPods.Pod("demo", name, ip, node, labels ?? new(App) { ["version"] = "v1" }, ready, "ratings-sa");

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _server.Apply(KubeObjects.Namespace("demo", new() { ["topology.istio.io/network"] = "net-1" }));
        _server.Apply(KubeObjects.Namespace("other"));
        _server.Apply(KubeObjects.Node("node-a", "eu-west", "eu-west-1a"));
        _server.Apply(KubeObjects.Node("node-b", "eu-west", "eu-west-1b"));
        _server.Apply(Pod("ratings-1", "10.1.0.1"));
        _server.Apply(Pod("ratings-2", "10.1.0.2", ready: false, node: "node-b"));
        _server.Apply(Pod("reviews-1", "10.1.0.3", new() { ["app"] = "reviews" }));
        _server.Apply(SelectedPods.Pod("other", "ratings-x", "10.2.0.1", "node-a", App));
        _server.Apply(KubeObjects.Service("demo", "web", "10.96.0.10", KubeObjects.Port("http", 80)));

        _client = KubernetesClientFactory.Create(new KubernetesOptions(_server.WriteKubeconfig(Directory.CreateTempSubdirectory("mesh-kube-").FullName)));
        var options = new KubernetesOptions("unused", "cluster-1") { RetryInitial = TimeSpan.FromMilliseconds(20), RetryMax = TimeSpan.FromMilliseconds(200) };
        _registry = new KubernetesRegistry(options, _client, _updater, TimeProvider.System, NullLoggerFactory.Instance, _feed);
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

    /// <summary>Waits until the host's endpoints read "address:health,..." (by address); a timeout shows the last seen.</summary>
    private Task SeenAsync(string host, string expected, string what) =>
        Eventually.GetAsync(() => Describe(_updater.Endpoints(host)), e => e == expected, $"{what}: {expected}");

    private static string Describe(IEnumerable<MeshEndpoint> endpoints) =>
        string.Join(",", endpoints.OrderBy(e => e.Address, StringComparer.Ordinal).Select(e => $"{e.Address}:{e.Health}"));

    private Task<IReadOnlyList<MeshEndpoint>> LoadedAsync()
    {
        _feed.Publish(SelectedPods.Config(Entry()));
        return EndpointsAsync(Ratings, e => e.Count == 2, "the entry's two pods");
    }

    [Fact]
    public async Task Start_ConfigNotLoaded_PublishesNothingForEntries()
    {
        // Synced and the Service published: the shard is live, yet no config means no selection at all.
        await Eventually.TrueAsync(() => _updater.Service("web.demo.svc.cluster.local") is not null, "the Service published");
        Assert.DoesNotContain(_updater.Calls, c => c.Host == Ratings);

        await LoadedAsync();
    }

    [Fact]
    public async Task ConfigLoaded_EntrySelectsPods_PublishesThemAsEndpointsOnly()
    {
        var endpoints = (await LoadedAsync()).OrderBy(e => e.Address, StringComparer.Ordinal).ToList();

        // ratings-x has the labels but lives in another namespace; reviews-1 is in it but does not match.
        Assert.Equal("10.1.0.1:Healthy,10.1.0.2:Unhealthy", Describe(endpoints));
        var first = endpoints[0];
        Assert.Equal("v1", first.Labels["version"]);
        Assert.Equal("ratings-sa", first.ServiceAccount);
        Assert.Equal("app", first.WorkloadName);
        Assert.Equal("eu-west/eu-west-1a", first.Locality);
        Assert.Equal("eu-west/eu-west-1b", endpoints[1].Locality);
        Assert.Equal("net-1", first.Network);
        // The ServiceEntry shard defines the host; this shard only adds workloads to it.
        Assert.Null(_updater.Service(Ratings));
        Assert.DoesNotContain(_updater.Calls, c => c is ("service", Ratings));
        Assert.Equal(1, _registry.Status.Services);
    }

    [Fact]
    public async Task PodRelabelledOut_IsWithdrawn_AndBackIn_Returns()
    {
        await LoadedAsync();

        _server.Apply(Pod("ratings-1", "10.1.0.1", new() { ["app"] = "elsewhere" }));
        await SeenAsync(Ratings, "10.1.0.2:Unhealthy", "ratings-1 relabelled out");

        _server.Apply(Pod("ratings-1", "10.1.0.1"));
        await SeenAsync(Ratings, "10.1.0.1:Healthy,10.1.0.2:Unhealthy", "ratings-1 selected again");
    }

    [Fact]
    public async Task PodReadiness_Flips_HealthFollows()
    {
        await LoadedAsync();

        _server.Apply(Pod("ratings-1", "10.1.0.1", ready: false));
        await SeenAsync(Ratings, "10.1.0.1:Unhealthy,10.1.0.2:Unhealthy", "ratings-1 not ready");

        _server.Apply(Pod("ratings-2", "10.1.0.2", ready: true, node: "node-b"));
        await SeenAsync(Ratings, "10.1.0.1:Unhealthy,10.1.0.2:Healthy", "ratings-2 ready");
    }

    [Fact]
    public async Task PodAddedAndDeleted_EndpointsFollow()
    {
        await LoadedAsync();

        _server.Apply(Pod("ratings-3", "10.1.0.9"));
        await EndpointsAsync(Ratings, e => e.Count == 3, "ratings-3 added");

        _server.Delete<V1Pod>("demo", "ratings-1");
        await SeenAsync(Ratings, "10.1.0.2:Unhealthy,10.1.0.9:Healthy", "ratings-1 deleted");
    }

    [Fact]
    public async Task UnrelatedPodChange_TouchesNoEntryHost()
    {
        await LoadedAsync();
        var before = _updater.Calls.Count;

        _server.Apply(Pod("reviews-1", "10.1.0.3", new() { ["app"] = "reviews", ["version"] = "v2" }));
        _server.Apply(Pod("ratings-3", "10.1.0.9"));
        await EndpointsAsync(Ratings, e => e.Count == 3, "ratings-3 added after the reviews change");

        Assert.Equal([("endpoints", Ratings)], _updater.Calls.Skip(before));
    }

    [Fact]
    public async Task NodeMoves_LocalityFollows()
    {
        await LoadedAsync();

        _server.Apply(KubeObjects.Node("node-b", "us-east", "us-east-1c"));

        await EndpointsAsync(Ratings, e => e.Any(x => x.Address == "10.1.0.2" && x.Locality == "us-east/us-east-1c"), "ratings-2's new locality");
    }

    [Fact]
    public async Task EntryRemoved_EndpointsWithdrawn()
    {
        await LoadedAsync();

        _feed.Publish(MeshConfig.Empty);

        await EndpointsAsync(Ratings, e => e.Count == 0, "the entry's pods withdrawn");
        Assert.Equal(0, _registry.Status.Endpoints);
    }

    [Fact]
    public async Task ConfigChanged_PodsUnchanged_SelectionFollowsTheConfig()
    {
        await LoadedAsync();

        // A narrower selector, then another host: the pods stay as they are.
        _feed.Publish(SelectedPods.Config(Entry(new Dictionary<string, string> { ["app"] = "reviews" })));
        await SeenAsync(Ratings, "10.1.0.3:Healthy", "the selector now picks reviews-1");

        _feed.Publish(SelectedPods.Config(Entry(null, "ratings.v2.example.com")));
        await EndpointsAsync("ratings.v2.example.com", e => e.Count == 2, "the pods under the new host");
        await EndpointsAsync(Ratings, e => e.Count == 0, "the old host withdrawn");
    }

    [Fact]
    public async Task ConfigRepublishedUnchanged_SendsNothing()
    {
        await LoadedAsync();
        var before = _updater.Calls.Count;

        _feed.Publish(SelectedPods.Config(Entry()));
        _server.Apply(KubeObjects.Service("demo", "marker", "10.96.0.99", KubeObjects.Port("http", 80)));
        await Eventually.TrueAsync(() => _updater.Service("marker.demo.svc.cluster.local") is not null, "a later change published");

        Assert.DoesNotContain(_updater.Calls.Skip(before), c => c.Host == Ratings);
    }

    [Fact]
    public async Task EntryNamingAServiceHost_ShardServesBoth()
    {
        const string web = "web.demo.svc.cluster.local";
        _server.Apply(KubeObjects.Slice("demo", "web", "web-1", [KubeObjects.SlicePort("http", 80)], KubeObjects.Endpoint("10.1.0.50")));
        await EndpointsAsync(web, e => e.Count == 1, "the Service's own endpoint");

        _feed.Publish(SelectedPods.Config(Entry(null, web)));

        await SeenAsync(web, "10.1.0.1:Healthy,10.1.0.2:Unhealthy,10.1.0.50:Healthy", "the Service's endpoint and the selected pods");
        Assert.NotNull(_updater.Service(web));
    }

    [Fact]
    public async Task ApiServerAway_SelectedEndpointsStay_ThenOnlyTheChangeArrives()
    {
        await LoadedAsync();
        await _server.DownAsync();
        await Eventually.TrueAsync(() => _registry.Status.State == RegistryState.Disconnected, "Disconnected");
        var before = _updater.Calls.Count;
        Assert.Equal(2, _updater.Endpoints(Ratings).Count);
        _server.Apply(Pod("ratings-2", "10.1.0.2", ready: true, node: "node-b"));

        await _server.UpAsync();

        await SeenAsync(Ratings, "10.1.0.1:Healthy,10.1.0.2:Healthy", "the readiness change made meanwhile");
        await Eventually.TrueAsync(() => _registry.Status.State == RegistryState.Synced, "Synced again");
        // One update for the host: its endpoints never went away and came back.
        Assert.Equal([("endpoints", Ratings)], _updater.Calls.Skip(before).Where(c => c.Host == Ratings));
    }

    [Fact]
    public async Task ServiceSelector_SelectsWorkloadEntries_AddedChangedRemoved()
    {
        const string web = "web.demo.svc.cluster.local";
        static WorkloadEntry Vm(string app, bool healthy = true) =>
            new(new ConfigMeta("WorkloadEntry", "networking.istio.io/v1", "web-vm", "demo", new Dictionary<string, string>()),
                new WorkloadEntrySpec("10.9.0.1", new Dictionary<string, uint>(), new Dictionary<string, string> { ["app"] = app }, null, null, null, "vm-sa"))
            {
                Health = new HealthCondition(healthy, null, null),
            };
        _server.Apply(KubeObjects.Slice("demo", "web", "web-1", [KubeObjects.SlicePort("http", 80)], KubeObjects.Endpoint("10.1.0.50")));
        await EndpointsAsync(web, e => e.Count == 1, "the Service's own endpoint");

        _feed.Publish(MeshConfig.Empty with { WorkloadEntries = [Vm("web")] });
        await SeenAsync(web, "10.1.0.50:Healthy,10.9.0.1:Healthy", "the VM behind the Service");
        Assert.Equal("web-vm", _updater.Endpoints(web).Single(e => e.Address == "10.9.0.1").WorkloadName);

        _feed.Publish(MeshConfig.Empty with { WorkloadEntries = [Vm("web", healthy: false)] });
        await SeenAsync(web, "10.1.0.50:Healthy,10.9.0.1:Unhealthy", "the VM failing its probe");

        _feed.Publish(MeshConfig.Empty with { WorkloadEntries = [Vm("other")] });
        await SeenAsync(web, "10.1.0.50:Healthy", "the VM relabelled away");

        // Now the Service's own selector moves to the entry's label: the Service change alone brings it back.
        var svc = KubeObjects.Service("demo", "web", "10.96.0.10", KubeObjects.Port("http", 80));
        svc.Spec.Selector = new Dictionary<string, string> { ["app"] = "other" };
        _server.Apply(svc);
        await SeenAsync(web, "10.1.0.50:Healthy,10.9.0.1:Healthy", "the VM under the Service's new selector");
    }
}
