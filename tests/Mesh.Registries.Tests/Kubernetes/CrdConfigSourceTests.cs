using k8s;
using Mesh.Api.Model;
using Mesh.Registries.Config;
using Mesh.Registries.Kubernetes;
using Mesh.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>The CRD config source, driving the real KubernetesClient against the fake API server, into a real aggregator.</summary>
public sealed class CrdConfigSourceTests : IAsyncLifetime
{
    private const string Source = "kubernetes://Kubernetes";
    private readonly RecordingUpdater _updater = new();
    private readonly ConfigFeed _feed = new();
    private FakeApiServer _server = null!;
    private IKubernetes _client = null!;
    private ConfigAggregator _aggregator = null!;
    private CrdConfigSource _source = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(IEnumerable<FakeResource>? resources = null, Action<FakeApiServer>? seed = null)
    {
        _server = await FakeApiServer.StartAsync(resources);
        seed?.Invoke(_server);
        _client = KubernetesClientFactory.Create(new KubernetesOptions(_server.WriteKubeconfig(Directory.CreateTempSubdirectory("mesh-crd-").FullName)));
        var options = new KubernetesOptions("unused")
        {
            RetryInitial = TimeSpan.FromMilliseconds(20),
            RetryMax = TimeSpan.FromMilliseconds(200),
            CrdNotInstalledRetry = TimeSpan.FromMilliseconds(200),
        };
        _aggregator = new ConfigAggregator([new ConfigSourceSpec(Source)], _updater, _feed, TimeProvider.System, NullLogger<ConfigAggregator>.Instance);
        _source = new CrdConfigSource(options, _client, _aggregator, TimeProvider.System, NullLoggerFactory.Instance);
        await _source.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => _aggregator.Status.Loaded, "the first config from the CRDs");
    }

    public async Task DisposeAsync()
    {
        if (_source is not null) await _source.StopAsync(CancellationToken.None);
        _client?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
    }

    private MeshConfig Served => _feed.Current;

    private static void Seed(FakeApiServer server)
    {
        server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("apps", "web", "web.apps.svc.cluster.local", "web-v1"));
        server.ApplyJson(FakeResource.ServiceEntries, IstioCrs.ServiceEntry("apps", "ext", "ext.mesh.local", 80, address: "10.9.0.1"));
    }

    private static string Destination(MeshConfig config, string name) =>
        config.VirtualServices.Single(v => v.Meta.Name == name).Spec.Http[0].Route[0].Destination.Host;

    [Fact]
    public async Task ExecuteAsync_Start_ListsEveryKindThenWatchesWithBookmarks()
    {
        await StartAsync(seed: Seed);

        Assert.Equal(["web"], Served.VirtualServices.Select(v => v.Meta.Name));
        Assert.Equal("10.9.0.1", Assert.Single(_updater.Endpoints("ext.mesh.local")).Address);
        foreach (var kind in IstioCrdKinds.All)
            Assert.Contains(_server.Requests, r => r.Path == $"/apis/{kind.Group}/{kind.Version}/{kind.Plural}" && !r.Watch && r.Status == 200);
        await Eventually.TrueAsync(() => _server.Requests.Count(r => r.Watch && r.Path.StartsWith("/apis/networking.istio.io/", StringComparison.Ordinal)) == IstioCrdKinds.All.Count,
            "a watch per kind");
        Assert.All(_server.Requests.Where(r => r.Watch), r => Assert.True(r.Bookmarks));
        Assert.All(_source.Kinds, k => Assert.True(k.Installed));
    }

    [Fact]
    public async Task Watch_AddModifyDelete_ReachTheServedConfig()
    {
        await StartAsync(seed: Seed);

        _server.ApplyJson(FakeResource.DestinationRules, IstioCrs.DestinationRule("apps", "web", "web.apps.svc.cluster.local", "v1", "v2"));
        await Eventually.TrueAsync(() => Served.DestinationRules.Count == 1, "the added DestinationRule");

        _server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("apps", "web", "web.apps.svc.cluster.local", "web-v2"));
        await Eventually.TrueAsync(() => Destination(Served, "web") == "web-v2", "the modified VirtualService");

        _server.Delete(FakeResource.ServiceEntries, "apps", "ext");
        await Eventually.TrueAsync(() => Served.ServiceEntries.Count == 0 && _updater.Service("ext.mesh.local") is null, "the deleted ServiceEntry withdrawn");
        Assert.Single(_server.Requests, r => r.Path.EndsWith("/virtualservices", StringComparison.Ordinal) && !r.Watch);
    }

    [Fact]
    public async Task Watch_InvalidVersion_KeepsLastGoodAndReportsOriginFieldAndValue()
    {
        await StartAsync(seed: Seed);
        var pushes = _updater.Configs.Count;

        _server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("apps", "web", "web.apps.svc.cluster.local", "web-v2", weight: 250));

        var error = Assert.Single(await Eventually.GetAsync(() => _aggregator.Status.Rejected, r => r.Count == 1, "the rejection"));
        Assert.Equal(
            "kubernetes://Kubernetes/apis/networking.istio.io/v1/namespaces/apps/virtualservices/web VirtualService apps/web: "
            + "spec.http[0].route[0].weight: invalid value \"250\": weight must be in [0, 100]",
            error.ToString());
        Assert.Equal("web-v1", Destination(Served, "web"));
        Assert.Equal(pushes, _updater.Configs.Count);
    }

    [Fact]
    public async Task ExecuteAsync_CrdNotInstalled_ServesTheOtherKindsAndNothingFails()
    {
        // Istio without the WorkloadGroup CRD: that kind is answered 404.
        await StartAsync([.. FakeResource.All.Where(r => r != FakeResource.WorkloadGroups)], Seed);

        Assert.Equal(["web"], Served.VirtualServices.Select(v => v.Meta.Name));
        Assert.Empty(Served.WorkloadGroups);
        var groups = _source.Kinds.Single(k => k.Kind.Kind == "WorkloadGroup");
        Assert.False(groups.Installed);
        // Looked for again, slowly, without ever counting as a failure.
        await Eventually.TrueAsync(() => _server.Requests.Count(r => r.Path.EndsWith("/workloadgroups", StringComparison.Ordinal)) >= 3, "the kind looked for again");
        Assert.All(_source.Kinds, k => Assert.False(k.Watcher.Failing));
        Assert.Empty(_aggregator.Status.Rejected);
    }

    [Fact]
    public async Task ApiServerAway_ServedConfigStays_ThenOnlyTheDifferenceArrives()
    {
        await StartAsync(seed: server =>
        {
            Seed(server);
            server.ApplyJson(FakeResource.ServiceEntries, IstioCrs.ServiceEntry("apps", "stays", "stays.mesh.local", 80, address: "10.9.0.2"));
        });
        var pushes = _updater.Configs.Count;

        await _server.DownAsync();
        await Eventually.TrueAsync(() => _source.Kinds.All(k => k.Watcher.Failing), "every kind failing");
        // Meanwhile: one object removed, one changed, one added.
        _server.Delete(FakeResource.ServiceEntries, "apps", "ext");
        _server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("apps", "web", "web.apps.svc.cluster.local", "web-v2"));
        _server.ApplyJson(FakeResource.DestinationRules, IstioCrs.DestinationRule("apps", "web", "web.apps.svc.cluster.local", "v1"));
        Assert.Equal(pushes, _updater.Configs.Count);
        Assert.Equal("web-v1", Destination(Served, "web"));
        Assert.NotNull(_updater.Service("ext.mesh.local"));
        var callsBefore = _updater.Calls.Count;

        await _server.UpAsync();
        await Eventually.TrueAsync(() => _source.Kinds.All(k => !k.Watcher.Failing) && Served.DestinationRules.Count == 1
            && Served.ServiceEntries.Count == 1 && Destination(Served, "web") == "web-v2", "the relisted config");

        // Each kind relists on its own, so there is at most a push per kind that changed (three), and
        // none of them lacks what stayed: nothing was withdrawn and added back.
        var after = _updater.Configs.Skip(pushes).ToList();
        Assert.InRange(after.Count, 1, 3);
        Assert.All(after, c => Assert.Contains(c.VirtualServices, v => v.Meta.Name == "web"));
        Assert.All(after, c => Assert.Contains(c.ServiceEntries, e => e.Meta.Name == "stays"));
        // Of the ServiceEntries' hosts only the vanished one was touched.
        Assert.Equal([("endpoints", "ext.mesh.local"), ("service", "ext.mesh.local")], _updater.Calls.Skip(callsBefore));
        Assert.NotNull(_updater.Service("stays.mesh.local"));
    }
}
