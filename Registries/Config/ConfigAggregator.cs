using Mesh.Api.Model;
using Mesh.Api.Yaml;
using Mesh.Registries.Registry;
using Mesh.Registries.Updates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Registries.Config;

/// <summary>
/// The one config the mesh serves, merged from every config source (the YAML directory, then each
/// Kubernetes cluster's CRDs; <see cref="ConfigMerge"/>). Each source hands over its whole state;
/// the aggregator merges, and only when the merged objects differ from what it served does it
/// push: routing config first (<see cref="IMeshUpdater.ConfigChangedAsync"/>), then the
/// ServiceEntry/WorkloadEntry translation into the (ServiceEntry, config) shard, whose registry it
/// is, then <see cref="ConfigFeed"/> for readers. Updates run one at a time. The first publish
/// waits until every source has reported once, or until a source's <see cref="ConfigSourceSpec.SyncWait"/>
/// has passed; /ready follows it (<see cref="ConfigStatus.Loaded"/>).
/// </summary>
public sealed partial class ConfigAggregator : BackgroundService, IServiceRegistry
{
    public static readonly ShardKey ConfigShard = new("ServiceEntry", "config");

    private readonly IReadOnlyList<ConfigSourceSpec> _sources;
    private readonly IMeshUpdater _updater;
    private readonly ConfigFeed _feed;
    private readonly TimeProvider _time;
    private readonly ILogger<ConfigAggregator> _logger;
    private readonly ShardPublisher _publisher;
    private readonly long _started;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    // Guarded by _gate.
    private readonly Dictionary<string, (ConfigSourceState State, DateTimeOffset At)> _latest = new(StringComparer.Ordinal);
    private IReadOnlyList<ConfigObject>? _served;
    private HashSet<ConfigError> _conflicts = [];
    private DateTimeOffset? _loadedAt;
    private volatile ConfigStatus _status = ConfigStatus.NotLoaded;

    public ConfigAggregator(IReadOnlyList<ConfigSourceSpec> sources, IMeshUpdater updater, ConfigFeed feed, TimeProvider time, ILogger<ConfigAggregator> logger)
    {
        if (sources.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != sources.Count)
            throw new ArgumentException("config source names must be unique", nameof(sources));
        _sources = sources;
        _updater = updater;
        _feed = feed;
        _time = time;
        _logger = logger;
        _publisher = new ShardPublisher(ConfigShard, updater) { Filter = new RegistryObjectFilter(ConfigShard, logger, time) };
        _started = time.GetTimestamp();
        _status = ConfigStatus.NotLoaded with { Sources = SourceStatuses() };
    }

    public ShardKey Shard => ConfigShard;

    /// <summary>How long after a failed push the merged config is pushed again.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public ConfigStatus Status => _status;

    /// <summary>The sources in merge order.</summary>
    public IReadOnlyList<ConfigSourceSpec> Sources => _sources;

    // The merged config is always readable once loaded, whatever a remote source is doing; a source's own trouble shows in its status.
    RegistryStatus IServiceRegistry.Status => _status is { Loaded: true } s
        ? new RegistryStatus(Shard, RegistryState.Synced, s.LoadedAt, null, null, _publisher.Hosts, _publisher.Endpoints) { Dropped = _publisher.Filter.Dropped }
        : RegistryStatus.Initial(Shard);

    /// <summary>Raised after each merge that was served (changed or not), with the status it left, for metrics.</summary>
    public event Action<ConfigStatus>? Merged;

    /// <summary>Raised with the errors a source newly reports (not those it already reported), for metrics.</summary>
    public event Action<IReadOnlyList<ConfigError>>? Rejected;

    /// <summary>Takes a source's whole current state and serves the merge. Returns once it is pushed (or found unchanged).</summary>
    public async Task UpdateAsync(string source, ConfigSourceState state, CancellationToken cancellationToken = default)
    {
        if (!_sources.Any(s => s.Name == source)) throw new ArgumentException($"unknown config source \"{source}\"", nameof(source));
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var before = _latest.TryGetValue(source, out var old) ? old.State.Rejected : [];
            _latest[source] = (state, _time.GetUtcNow());
            var fresh = state.Rejected.Except(before).ToList();
            foreach (var error in fresh) LogRejected(_logger, source, error.ToString());
            if (fresh.Count > 0) Rejected?.Invoke(fresh);
            await PublishOrRetryAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Publishes with the sources that reported so far if a source's wait has run out; for the background timer and tests.</summary>
    public async Task PublishIfWaitedAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try { await PublishOrRetryAsync(cancellationToken); }
        finally { _gate.Release(); }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _stopping.Dispose();
        base.Dispose();
    }

    // The source's state is taken either way; a failed push is the aggregator's to retry, since the
    // source may have nothing new to say for a long time.
    private async Task PublishOrRetryAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PublishAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            LogPublishFailed(_logger, ex);
            _ = RetryLaterAsync();
        }
    }

    private async Task RetryLaterAsync()
    {
        try
        {
            await Task.Delay(RetryDelay, _time, _stopping.Token);
            await PublishIfWaitedAsync(_stopping.Token);
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        // Wake at each source's deadline so a source that never answers cannot hold the first publish back.
        foreach (var wait in _sources.Select(s => s.SyncWait).OfType<TimeSpan>().Distinct().Order())
        {
            try
            {
                // Timers may fire a little before the clock says the time is up: wait until it does.
                TimeSpan left;
                while ((left = wait - _time.GetElapsedTime(_started)) > TimeSpan.Zero) await Task.Delay(left, _time, stop);
                if (_status.Loaded) return;
                await PublishIfWaitedAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        if (_served is null)
        {
            var elapsed = _time.GetElapsedTime(_started);
            var waiting = _sources.Where(s => !_latest.ContainsKey(s.Name) && (s.SyncWait is not { } wait || elapsed < wait)).ToList();
            if (waiting.Count > 0)
            {
                _status = _status with { Sources = SourceStatuses() };
                return;
            }
            foreach (var missing in _sources.Where(s => !_latest.ContainsKey(s.Name)))
                LogNotSynced(_logger, missing.Name, (long)(missing.SyncWait ?? TimeSpan.Zero).TotalMilliseconds);
        }

        var merged = ConfigMerge.Merge(_sources.Where(s => _latest.ContainsKey(s.Name)).Select(s => _latest[s.Name].State));
        var conflicts = merged.Conflicts.ToHashSet();
        foreach (var conflict in conflicts.Except(_conflicts)) LogConflict(_logger, conflict.ToString());
        _conflicts = conflicts;

        if (_served is null || !SameObjects(_served, merged.Objects))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var config = MeshConfig.From(merged.Objects);
            // Routing config first: a host that appears in the same change then derives its routes
            // and clusters with its VirtualService and DestinationRule already in place.
            await _updater.ConfigChangedAsync(config);
            await _publisher.PublishAllAsync(ServiceEntryTranslator.Translate(config));
            _feed.Publish(config);
            _served = merged.Objects;
            _loadedAt = _time.GetUtcNow();
            LogServing(_logger, merged.Objects.Count, _latest.Count, merged.Conflicts.Count);
        }

        _status = new ConfigStatus(
            true,
            _loadedAt,
            [.. merged.Objects.Select(o => o.Meta)],
            [.. _sources.Where(s => _latest.ContainsKey(s.Name)).SelectMany(s => _latest[s.Name].State.Rejected)])
        {
            Conflicts = merged.Conflicts,
            Sources = SourceStatuses(),
        };
        Merged?.Invoke(_status);
    }

    private List<ConfigSourceStatus> SourceStatuses() =>
        [.. _sources.Select(s => _latest.TryGetValue(s.Name, out var l)
            ? new ConfigSourceStatus(s.Name, true, l.At, l.State.Objects.Count, l.State.Rejected.Count)
            : new ConfigSourceStatus(s.Name, false, null, 0, 0))];

    // Sources keep the same object instance while it is unchanged (a file not rewritten, a CR at the
    // same resourceVersion), so identity is the cheap and exact test for "nothing changed".
    private static bool SameObjects(IReadOnlyList<ConfigObject> a, IReadOnlyList<ConfigObject> b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
            if (!ReferenceEquals(a[i], b[i])) return false;
        return true;
    }
}
