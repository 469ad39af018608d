using k8s;
using k8s.Models;
using Mesh.Registries.Kubernetes;
using Mesh.Testing.Kubernetes;
using Mesh.Testing;
using Microsoft.Extensions.Logging;
using Mesh.Api.Retry;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>The informer, driving the real KubernetesClient against the fake API server.</summary>
public sealed class ResourceWatcherTests : IAsyncLifetime
{
    private FakeApiServer _server = null!;
    private IKubernetes _client = null!;
    private readonly Lock _gate = new();
    private readonly List<ResourceChange<V1Service>> _changes = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly RecordingLogger _log = new();
    private ResourceWatcher<V1Service> _watcher = null!;
    private Task _running = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        var dir = Directory.CreateTempSubdirectory("mesh-kube-").FullName;
        _client = KubernetesClientFactory.Create(new KubernetesOptions(_server.WriteKubeconfig(dir)));
        _server.Apply(KubeObjects.Service("demo", "first", "10.0.0.1", KubeObjects.Port("http", 80)));
        _watcher = new ResourceWatcher<V1Service>(
            KubernetesSources.Services(_client, TimeSpan.FromMinutes(5), new Random(1)),
            (change, _) => { lock (_gate) _changes.Add(change); return ValueTask.CompletedTask; },
            new BackoffSequence(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(100), new Random(1)),
            TimeProvider.System,
            _log);
        _running = _watcher.RunAsync(_stop.Token);
        await Eventually.TrueAsync(() => Watches().Count == 1, "the first watch");
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private List<ResourceChange<V1Service>> Changes() { lock (_gate) return [.. _changes]; }

    private List<FakeApiRequest> Lists() => [.. _server.Requests.Where(r => !r.Watch)];

    private List<FakeApiRequest> Watches() => [.. _server.Requests.Where(r => r.Watch)];

    private Task SeenAsync(string name) => Eventually.TrueAsync(
        () => Changes().Any(c => c.Kind == ResourceChangeKind.Upserted && c.Objects[0].Metadata.Name == name), $"{name} upserted");

    [Fact]
    public async Task RunAsync_Start_ListsThenWatchesFromListVersionWithBookmarks()
    {
        var relisted = Assert.Single(Changes());
        Assert.Equal(ResourceChangeKind.Relisted, relisted.Kind);
        Assert.Equal("first", Assert.Single(relisted.Objects).Metadata.Name);
        var watch = Assert.Single(Watches());
        Assert.Equal(_server.ResourceVersion.ToString(), watch.ResourceVersion);
        Assert.True(watch.Bookmarks);

        _server.Apply(KubeObjects.Service("demo", "second", "10.0.0.2", KubeObjects.Port("http", 80)));
        await SeenAsync("second");
        Assert.Single(Lists());
    }

    [Fact]
    public async Task RunAsync_WatchEnds_ResumesFromLastSeenVersionWithoutRelist()
    {
        var rv = _server.Apply(KubeObjects.Service("demo", "second", "10.0.0.2", KubeObjects.Port("http", 80)));
        await SeenAsync("second");

        _server.EndWatches();

        var resumed = await Eventually.GetAsync(Watches, w => w.Count == 2, "a second watch");
        Assert.Equal(rv.ToString(), resumed[1].ResourceVersion);
        Assert.Single(Lists());
        Assert.False(_watcher.Health.Failing);
    }

    [Fact]
    public async Task RunAsync_WatchEndsWithoutEvents_ResumesFromListVersionWithoutError()
    {
        // The API server ends every watch at its timeout; on a quiet kind that body is empty.
        var listed = Assert.Single(Watches()).ResourceVersion;

        _server.EndWatches();

        await Eventually.TrueAsync(() => _server.Requests.Count >= 3, "the request after the watch ended");
        var next = _server.Requests[2];
        Assert.True(next.Watch, "a watch, not a list");
        Assert.Equal(listed, next.ResourceVersion);
        Assert.True(next.Bookmarks);
        Assert.Single(Changes());
        Assert.False(_watcher.Health.Failing);
        Assert.Null(_watcher.Health.LastError);
        Assert.DoesNotContain(_log.Entries, e => e.Level >= LogLevel.Warning);

        // And the resumed watch is live.
        _server.Apply(KubeObjects.Service("demo", "second", "10.0.0.2", KubeObjects.Port("http", 80)));
        await SeenAsync("second");
        Assert.Single(Lists());
    }

    [Fact]
    public async Task RunAsync_Bookmark_AdvancesResumeVersion()
    {
        // Changes to other kinds move the shared resourceVersion; only a bookmark tells this watch about it.
        _server.Apply(KubeObjects.Node("node-a", "eu", "eu-1"));
        var current = _server.ResourceVersion;
        _server.Bookmark();
        await Eventually.TrueAsync(() => _watcher.Health.ResourceVersion == current.ToString(), "the bookmark's resourceVersion");

        _server.EndWatches();

        var resumed = await Eventually.GetAsync(Watches, w => w.Count == 2, "a second watch");
        Assert.Equal(current.ToString(), resumed[1].ResourceVersion);
        Assert.Single(Lists());
    }

    [Fact]
    public async Task RunAsync_WatchErrorEventGone_Relists()
    {
        _server.Apply(KubeObjects.Service("demo", "second", "10.0.0.2", KubeObjects.Port("http", 80)));
        _server.Compact(expireOpenWatches: true);

        await Eventually.TrueAsync(() => Lists().Count == 2, "a relist after ERROR 410");
        var relist = await Eventually.GetAsync(
            () => Changes().LastOrDefault(c => c.Kind == ResourceChangeKind.Relisted && c.Objects.Count == 2), c => c is not null, "the relist delivered");
        Assert.Equal(["first", "second"], relist!.Objects.Select(s => s.Metadata.Name).Order());
        Assert.False(_watcher.Health.Failing);
    }

    [Fact]
    public async Task RunAsync_HttpGoneOnResume_Relists()
    {
        _server.ExpireWithHttpStatus = true;
        _server.Apply(KubeObjects.Service("demo", "second", "10.0.0.2", KubeObjects.Port("http", 80)));
        await SeenAsync("second");
        // Another kind's change moves the server past the last version this watch saw; then that history goes.
        var beforeEnd = _server.Apply(KubeObjects.Node("node-a", "eu", "eu-1"));
        _server.Compact();

        _server.EndWatches();

        await Eventually.TrueAsync(() => Watches().Any(w => w.Status == 410), "a watch refused with 410");
        await Eventually.TrueAsync(() => Lists().Count == 2, "a relist after HTTP 410");
        var after = await Eventually.GetAsync(Watches, w => w.Count == 3, "a watch from the relist");
        Assert.Equal(beforeEnd.ToString(), after[2].ResourceVersion);
    }

    [Fact]
    public async Task RunAsync_ServerDownThenUp_ReportsFailingThenRelists()
    {
        await _server.DownAsync();
        var failing = await Eventually.GetAsync(() => _watcher.Health, h => h.Failing, "failing health");
        Assert.NotNull(failing.LastError);
        _server.Apply(KubeObjects.Service("demo", "while-down", "10.0.0.3", KubeObjects.Port("http", 80)));
        // Nothing is withdrawn or replaced while the server is away.
        Assert.Single(Changes());

        await _server.UpAsync();

        var relist = await Eventually.GetAsync(
            () => Changes().LastOrDefault(c => c.Kind == ResourceChangeKind.Relisted && c.Objects.Count == 2), c => c is not null, "a relist after the outage");
        Assert.Contains(relist!.Objects, s => s.Metadata.Name == "while-down");
        await Eventually.TrueAsync(() => !_watcher.Health.Failing, "healthy again");
        Assert.Equal(2, Lists().Count);
    }
}
