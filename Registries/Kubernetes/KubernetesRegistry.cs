using System.Diagnostics;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Mesh.Api.Model;
using Mesh.Registries.Config;
using Mesh.Registries.Registry;
using Mesh.Registries.Updates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mesh.Api.Retry;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// Istio's Kubernetes service registry: Services, EndpointSlices, Pods, Nodes and Namespaces, each
/// listed and watched by its own <see cref="ResourceWatcher{T}"/>, become one MeshService and its
/// MeshEndpoints per host in the shard (Kubernetes, cluster id). One loop owns the caches: it
/// applies whatever the watchers delivered, recomputes only the hosts those changes reach, and
/// hands them to a <see cref="ShardPublisher"/>, so only real differences reach the mesh. Nothing
/// is published before every kind has been listed once. When the API server is unreachable the
/// caches and everything served stay as they were (status Disconnected); each watcher relists
/// when it is back, and a relist republishes the whole shard, which withdraws only what vanished.
/// Given the served config (<see cref="IConfigView"/>), it also publishes, endpoints only, the pods
/// each ServiceEntry's workloadSelector picks, under the entry's hosts (<see cref="ServiceEntrySelections"/>):
/// and, the other way round, the WorkloadEntries each Service's selector picks (<see cref="ServiceWorkloadEntries"/>).
/// The config arrives on the same loop as the watchers' changes, so one owner recomputes everything.
/// </summary>
public sealed partial class KubernetesRegistry : BackgroundService, IServiceRegistry
{
    private readonly KubernetesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<KubernetesRegistry> _logger;
    private readonly ShardPublisher _publisher;
    private readonly ClusterState _state;
    private readonly ServiceEntrySelections _selections = new();
    private readonly ServiceWorkloadEntries _workloadEntries = new();
    private readonly IConfigView? _config;
    private readonly Channel<Action<ClusterState, ChangeSet>> _changes =
        Channel.CreateUnbounded<Action<ClusterState, ChangeSet>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<(Func<CancellationToken, Task> Run, Func<WatcherHealth> Health)> _watchers = [];
    private volatile LoopStatus _loop = new(false, null, 0, 0);
    private bool _republish;

    /// <param name="config">The served config, for ServiceEntry workloadSelectors; without it no pod is selected by one.</param>
    public KubernetesRegistry(KubernetesOptions options, IKubernetes client, IMeshUpdater updater, TimeProvider time, ILoggerFactory loggers,
        IConfigView? config = null)
    {
        _options = options;
        _config = config;
        _time = time;
        _logger = loggers.CreateLogger<KubernetesRegistry>();
        Shard = new ShardKey("Kubernetes", options.ClusterId);
        _state = new ClusterState { ClusterId = options.ClusterId };
        _publisher = new ShardPublisher(Shard, updater) { Filter = new RegistryObjectFilter(Shard, _logger, time) };
        // Shared by the watchers' loops, which run concurrently: only Random.Shared is safe for that.
        var random = Random.Shared;
        var timeout = options.WatchTimeout;
        Add(KubernetesSources.Services(client, timeout, random), (s, c, ch) => s.Apply(c, ch), random, loggers);
        Add(KubernetesSources.EndpointSlices(client, timeout, random), (s, c, ch) => s.Apply(c, ch), random, loggers);
        Add(KubernetesSources.Pods(client, timeout, random), (s, c, ch) => s.Apply(c, ch), random, loggers);
        Add(KubernetesSources.Nodes(client, timeout, random), (s, c, ch) => s.Apply(c, ch), random, loggers);
        Add(KubernetesSources.Namespaces(client, timeout, random), (s, c, ch) => s.Apply(c, ch), random, loggers);
    }

    public ShardKey Shard { get; }

    /// <summary>Per kind: listed yet, failing since when, last resourceVersion seen.</summary>
    public IReadOnlyList<WatcherHealth> Watchers => [.. _watchers.Select(w => w.Health())];

    public RegistryStatus Status
    {
        get
        {
            var loop = _loop;
            var failing = Watchers.Where(w => w.Failing).OrderBy(w => w.FailingSince).FirstOrDefault();
            var state = failing is not null ? RegistryState.Disconnected : loop.Published ? RegistryState.Synced : RegistryState.Starting;
            return new RegistryStatus(Shard, state, loop.LastSync, failing?.FailingSince,
                failing is null ? null : $"{failing.Kind}: {failing.LastError}", loop.Services, loop.Endpoints)
            {
                Dropped = _publisher.Filter.Dropped,
            };
        }
    }

    private void Add<T>(ResourceSource<T> source, Action<ClusterState, ResourceChange<T>, ChangeSet> apply, Random random, ILoggerFactory loggers)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var watcher = new ResourceWatcher<T>(
            source,
            (change, ct) => _changes.Writer.WriteAsync((state, changed) => apply(state, change, changed), ct),
            new BackoffSequence(_options.RetryInitial, _options.RetryMax, random),
            _time,
            loggers.CreateLogger($"{typeof(ResourceWatcher<>).Namespace}.ResourceWatcher.{source.Kind}"));
        _watchers.Add((watcher.RunAsync, () => watcher.Health));
    }

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var running = _watchers.Select(w => Task.Run(() => w.Run(stop), stop)).ToList();
        if (_config is { } config) running.Add(Task.Run(() => WatchConfigAsync(config, stop), stop));
        try
        {
            while (await _changes.Reader.WaitToReadAsync(stop))
            {
                var changed = new ChangeSet();
                // Take everything already delivered: a burst of events becomes one recomputation per host.
                while (_changes.Reader.TryRead(out var apply)) apply(_state, changed);
                if (_state.Listed.Count < _watchers.Count) continue;
                if (!changed.All) _selections.Reach(changed);
                await PublishAsync(changed, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            try { await Task.WhenAll(running); } catch (OperationCanceledException) { }
        }
    }

    private async Task PublishAsync(ChangeSet changed, CancellationToken stop)
    {
        var full = changed.All || _republish || !_loop.Published;
        if (!full && changed.IsEmpty) return;
        var started = _time.GetTimestamp();
        try
        {
            int updates;
            if (full)
            {
                var hosts = new Dictionary<string, (MeshService? Service, IReadOnlyList<MeshEndpoint> Endpoints)>(StringComparer.Ordinal);
                foreach (var svc in _state.Services.Values)
                {
                    var (host, service, endpoints) = Build(ResourceCache<V1Service>.KeyOf(svc));
                    if (service is not null) hosts[host] = (service, endpoints);
                }
                foreach (var host in _selections.Hosts)
                {
                    var (service, endpoints) = hosts.GetValueOrDefault(host, (null, []));
                    hosts[host] = (service, WithSelectedPods(host, endpoints));
                }
                updates = await _publisher.PublishAllAsync(hosts.Select(h => (h.Key, h.Value.Service, h.Value.Endpoints)));
            }
            else
            {
                updates = 0;
                var hosts = new Dictionary<string, (MeshService? Service, IReadOnlyList<MeshEndpoint> Endpoints)>(StringComparer.Ordinal);
                foreach (var key in changed.Services)
                {
                    var (host, service, endpoints) = Build(key);
                    hosts[host] = (service, endpoints);
                }
                foreach (var host in changed.Hosts.Where(h => !hosts.ContainsKey(h)))
                    hosts[host] = ServicePart(host);
                foreach (var (host, (service, endpoints)) in hosts.OrderBy(h => h.Key, StringComparer.Ordinal))
                {
                    stop.ThrowIfCancellationRequested();
                    if (await _publisher.PublishAsync(host, service, WithSelectedPods(host, endpoints))) updates++;
                }
            }
            _republish = false;
            var anyFailing = _watchers.Any(w => w.Health().Failing);
            _loop = new LoopStatus(true, anyFailing ? _loop.LastSync : _time.GetUtcNow(), _publisher.Hosts, _publisher.Endpoints);
            if (updates > 0 || full)
                LogPublished(_logger, full ? "full" : "incremental", updates, _publisher.Published.Count, (long)_time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            // Whatever got through is in the publisher's view; the next batch compares the whole shard against it.
            _republish = true;
            LogPublishFailed(_logger, ex);
            _ = RetryLaterAsync(stop);
        }
    }

    /// <summary>A host's endpoints plus the pods its ServiceEntry's workloadSelector picks, if a selecting entry owns it.</summary>
    private IReadOnlyList<MeshEndpoint> WithSelectedPods(string host, IReadOnlyList<MeshEndpoint> endpoints) =>
        _selections.Owns(host) ? [.. endpoints, .. _selections.EndpointsOf(host, _state)] : endpoints;

    /// <summary>
    /// What the cluster's Services say about a ServiceEntry host: nothing, unless the entry names a
    /// Service's own host, in which case the shard serves both the Service and the selected pods.
    /// </summary>
    private (MeshService? Service, IReadOnlyList<MeshEndpoint> Endpoints) ServicePart(string host)
    {
        if (KubernetesTranslator.ServiceKey(host, _options.Domain) is not { } key) return (null, []);
        var (_, service, endpoints) = Build(key);
        return (service, endpoints);
    }

    /// <summary>A Service's host as its EndpointSlices give it, plus the WorkloadEntries its selector picks.</summary>
    private (string Host, MeshService? Service, IReadOnlyList<MeshEndpoint> Endpoints) Build(string serviceKey)
    {
        var (host, service, endpoints) = _state.Build(serviceKey, _options.Domain);
        if (service is null || _state.Services.Get(serviceKey) is not { } svc) return (host, service, endpoints);
        var entries = _workloadEntries.EndpointsOf(svc, service);
        return (host, service, entries.Count == 0 ? endpoints : [.. endpoints, .. entries]);
    }

    /// <summary>Hands each served config to the loop; the selections change only there.</summary>
    private async Task WatchConfigAsync(IConfigView config, CancellationToken stop)
    {
        try
        {
            await foreach (var current in config.WatchAsync(stop))
                await _changes.Writer.WriteAsync((state, changed) =>
                {
                    _selections.SetConfig(current, changed);
                    _workloadEntries.SetConfig(current, state, changed);
                }, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Wakes the loop after a failed publish even if the cluster stays quiet.</summary>
    private async Task RetryLaterAsync(CancellationToken stop)
    {
        try { await Task.Delay(_options.RetryInitial, _time, stop); }
        catch (OperationCanceledException) { return; }
        _changes.Writer.TryWrite((_, _) => { });
    }

    private sealed record LoopStatus(bool Published, DateTimeOffset? LastSync, int Services, int Endpoints);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubernetes registry: {Mode} publish, {Updates} hosts updated, {Hosts} hosts served, took {ElapsedMs} ms")]
    private static partial void LogPublished(ILogger logger, string mode, int updates, int hosts, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kubernetes registry: publishing to the mesh failed; the whole shard is compared again with the next change")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex);
}
