using Mesh.Api.Model;
using Mesh.Api.Yaml;
using Mesh.Registries.Config;
using Mesh.Registries.Tests.Kubernetes;
using Mesh.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Registries.Tests.Config;

public sealed class ConfigAggregatorTests
{
    private const string Files = "/config", Crds = "kubernetes://Kubernetes";
    private const string CrdVs = "kubernetes://Kubernetes/apis/networking.istio.io/v1/namespaces/apps/virtualservices/web";

    private readonly RecordingUpdater _updater = new();
    private readonly ConfigFeed _feed = new();
    private readonly PendingTimersTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private ConfigAggregator Aggregator(TimeSpan? crdWait = null) =>
        new([new ConfigSourceSpec(Files), new ConfigSourceSpec(Crds, crdWait)], _updater, _feed, _time, NullLogger<ConfigAggregator>.Instance);

    private static IReadOnlyList<ConfigObject> Objects(string origin, string yaml)
    {
        var parsed = ConfigParser.Parse(origin, yaml);
        Assert.True(parsed.Errors.Count == 0, string.Join("\n", parsed.Errors));
        return parsed.Objects;
    }

    private static string VirtualService(string name, string host, string destination) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: {{name}}, namespace: apps}
        spec:
          hosts: [{{host}}]
          http:
          - route:
            - destination:
                host: {{destination}}
        """;

    [Fact]
    public async Task UpdateAsync_TwoSources_MergesInSourceOrderWhateverOrderTheyReport()
    {
        var aggregator = Aggregator();
        await aggregator.UpdateAsync(Crds, new ConfigSourceState(Objects(CrdVs, VirtualService("web", "web.apps.svc.cluster.local", "web-v2")), []));
        Assert.False(aggregator.Status.Loaded);
        Assert.Empty(_updater.Configs);

        await aggregator.UpdateAsync(Files, new ConfigSourceState(Objects("/config/a.yaml", VirtualService("api", "api.apps.svc.cluster.local", "api")), []));

        Assert.True(aggregator.Status.Loaded);
        Assert.Equal(["/config/a.yaml", CrdVs], aggregator.Status.Serving.Select(m => m.Origin!.File));
        Assert.Equal(["api", "web"], Assert.Single(_updater.Configs).VirtualServices.Select(v => v.Meta.Name));
        Assert.Equal(["api", "web"], _feed.Current.VirtualServices.Select(v => v.Meta.Name));
    }

    [Fact]
    public async Task UpdateAsync_SameObjectInTwoSources_FirstSourceWinsAndConflictNamesBothOrigins()
    {
        var aggregator = Aggregator();
        await aggregator.UpdateAsync(Files, new ConfigSourceState(Objects("/config/web.yaml", VirtualService("web", "web.apps.svc.cluster.local", "from-file")), []));
        await aggregator.UpdateAsync(Crds, new ConfigSourceState(Objects(CrdVs, VirtualService("web", "web.apps.svc.cluster.local", "from-crd")), []));

        var served = Assert.Single(_feed.Current.VirtualServices);
        Assert.Equal("from-file", served.Spec.Http[0].Route[0].Destination.Host);
        var conflict = Assert.Single(aggregator.Status.Conflicts);
        Assert.Equal(CrdVs, conflict.File);
        Assert.Equal(("VirtualService", "apps", "web"), (conflict.Kind, conflict.Namespace, conflict.Name));
        Assert.Contains("/config/web.yaml [doc 0]", conflict.Message, StringComparison.Ordinal);
        Assert.StartsWith(CrdVs, conflict.ToString(), StringComparison.Ordinal);
        Assert.Contains("VirtualService apps/web: also defined by /config/web.yaml", conflict.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateAsync_SourceKeepsLastGoodObjectOfARejection_ServesItAndShowsTheError()
    {
        var aggregator = Aggregator();
        var good = Objects(CrdVs, VirtualService("web", "web.apps.svc.cluster.local", "web"));
        await aggregator.UpdateAsync(Files, ConfigSourceState.Empty);
        await aggregator.UpdateAsync(Crds, new ConfigSourceState(good, []));
        var rejected = new List<IReadOnlyList<ConfigError>>();
        aggregator.Rejected += rejected.Add;
        var error = new ConfigError(CrdVs, -1, "VirtualService", "web", "spec.http[0].route[0].weight", "-1", "weight must be in [0, 100]", null, "apps");

        await aggregator.UpdateAsync(Crds, new ConfigSourceState(good, [error]));
        await aggregator.UpdateAsync(Crds, new ConfigSourceState(good, [error]));

        Assert.Same(good[0], Assert.Single(_feed.Current.VirtualServices));
        Assert.Equal([error], aggregator.Status.Rejected);
        // Pushed once, when the object first came; the rejection left the served config as it was.
        Assert.Single(_updater.Configs);
        // Counted once, though the source reported it twice.
        Assert.Equal([error], Assert.Single(rejected));
    }

    [Fact]
    public async Task UpdateAsync_CrdServiceEntrySelectsFileWorkloadEntries_TranslatesTheMergedConfig()
    {
        var aggregator = Aggregator();
        await aggregator.UpdateAsync(Files, new ConfigSourceState(Objects("/config/vm.yaml", """
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: vm-1, namespace: apps}
            spec: {address: 10.0.0.1, labels: {app: vm}}
            """), []));
        await aggregator.UpdateAsync(Crds, new ConfigSourceState(Objects(CrdVs.Replace("virtualservices/web", "serviceentries/vm"), """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: vm, namespace: apps}
            spec:
              hosts: [vm.mesh.local]
              resolution: STATIC
              ports: [{number: 80, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: vm}}
            """), []));

        Assert.NotNull(_updater.Service("vm.mesh.local"));
        var endpoint = Assert.Single(_updater.Endpoints("vm.mesh.local"));
        Assert.Equal(("10.0.0.1", "vm-1"), (endpoint.Address, endpoint.WorkloadName));
        Assert.Equal(1, ((Mesh.Registries.Registry.IServiceRegistry)aggregator).Status.Services);
    }

    [Fact]
    public async Task UpdateAsync_NothingChanged_PushesNothing()
    {
        var aggregator = Aggregator();
        var files = Objects("/config/a.yaml", VirtualService("api", "api.apps.svc.cluster.local", "api"));
        await aggregator.UpdateAsync(Files, new ConfigSourceState(files, []));
        await aggregator.UpdateAsync(Crds, ConfigSourceState.Empty);
        var calls = _updater.Calls.Count;
        var served = _feed.Current;

        // A relist that found the same objects, and an empty source reporting again.
        await aggregator.UpdateAsync(Files, new ConfigSourceState([.. files], []));
        await aggregator.UpdateAsync(Crds, ConfigSourceState.Empty);

        Assert.Single(_updater.Configs);
        Assert.Equal(calls, _updater.Calls.Count);
        Assert.Same(served, _feed.Current);
    }

    [Fact]
    public async Task PublishIfWaitedAsync_RemoteSourceSilentPastItsWait_PublishesTheOthersThenTakesItInLater()
    {
        var aggregator = Aggregator(crdWait: TimeSpan.FromSeconds(30));
        await aggregator.UpdateAsync(Files, new ConfigSourceState(Objects("/config/a.yaml", VirtualService("api", "api.apps.svc.cluster.local", "api")), []));
        await aggregator.PublishIfWaitedAsync();
        Assert.False(aggregator.Status.Loaded);
        Assert.Equal([true, false], aggregator.Status.Sources.Select(s => s.Synced));

        _time.Advance(TimeSpan.FromSeconds(30));
        await aggregator.PublishIfWaitedAsync();

        Assert.True(aggregator.Status.Loaded);
        Assert.Equal(["api"], _feed.Current.VirtualServices.Select(v => v.Meta.Name));

        await aggregator.UpdateAsync(Crds, new ConfigSourceState(Objects(CrdVs, VirtualService("web", "web.apps.svc.cluster.local", "web")), []));
        Assert.Equal(["api", "web"], _feed.Current.VirtualServices.Select(v => v.Meta.Name));
        Assert.Equal(2, _updater.Configs.Count);
    }

    [Fact]
    public async Task ExecuteAsync_RemoteSourceNeverReports_PublishesWhenItsSyncWaitRunsOut()
    {
        using var aggregator = Aggregator(crdWait: TimeSpan.FromSeconds(30));
        await aggregator.StartAsync(CancellationToken.None);
        await aggregator.UpdateAsync(Files, new ConfigSourceState(Objects("/config/a.yaml", VirtualService("api", "api.apps.svc.cluster.local", "api")), []));
        // ExecuteAsync runs in the background: move time only once it waits on the sync-wait timer.
        await Eventually.TrueAsync(() => _time.Pending.Count > 0, "the sync-wait timer");

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(aggregator.Status.Loaded);
        _time.Advance(TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(() => aggregator.Status.Loaded, "the publish at the CRDs' sync wait");
        Assert.Equal(["api"], _feed.Current.VirtualServices.Select(v => v.Meta.Name));
        await aggregator.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task UpdateAsync_UnknownSource_Throws()
    {
        var aggregator = Aggregator();
        await Assert.ThrowsAsync<ArgumentException>(() => aggregator.UpdateAsync("elsewhere", ConfigSourceState.Empty));
    }
}
