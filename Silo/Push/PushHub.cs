using System.Collections.Immutable;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Mesh.Silo.Push;

/// <summary>
/// This silo's end of the fan-out. Follows the ServiceGrains (as one observer per silo, so a
/// change crosses the cluster once per silo), debounces their changes, builds one snapshot per
/// flush (from the last one and the hosts that changed) and hands it to the local streams, each of which sends only what its proxy subscribed to.
/// It starts following on the first local stream: a silo without proxies receives nothing.
/// </summary>
public sealed partial class PushHub : IPushHubObserver, IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly ILogger<PushHub> _logger;
    private readonly Debouncer _debouncer;
    private readonly object _gate = new();
    private readonly Dictionary<string, ServiceFragments> _hosts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> _followed = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, Action<PushEvent>> _streams = [];
    private IReadOnlyList<Sidecar> _sidecars = [];
    private readonly SidecarResources _sidecarResources = new();
    private bool _sidecarsChanged;
    private DateTimeOffset? _oldestPending;
    private IPushHubObserver? _self;
    private ITimer? _renewTimer;
    private Task _started = Task.CompletedTask;
    private readonly IClusterMembershipService? _membership;
    private readonly SiloAddress? _local;
    private readonly CancellationTokenSource _stopping = new();

    public PushHub(IGrainFactory grains, TimeProvider time, DebounceOptions debounce, ILogger<PushHub> logger,
        IClusterMembershipService? membership = null, ILocalSiloDetails? local = null)
    {
        _membership = membership;
        _local = local?.SiloAddress;
        _grains = grains;
        _time = time;
        _logger = logger;
        _debouncer = new Debouncer(debounce, time, FlushAsync);
    }

    public ResourceSnapshot Current { get; private set; } = ResourceSnapshot.Empty;

    /// <summary>Per-proxy-locality load assignments, shared by this silo's streams.</summary>
    public LocalityAssignments Localities { get; } = new();

    /// <summary>Proxies' scoped views of this hub's snapshots, one per scope, shared by their streams.</summary>
    public ScopedViews Views { get; } = new();

    /// <summary>Raised after each flush (metrics, tests waiting for a version).</summary>
    public event Action<PushEvent>? Flushed;

    /// <summary>Registers a local stream; returns once this silo follows the mesh, with the snapshot to start from.</summary>
    public async Task<(ResourceSnapshot Snapshot, IDisposable Registration)> RegisterAsync(Action<PushEvent> onPush)
    {
        var id = Guid.NewGuid();
        Task started;
        lock (_gate)
        {
            _streams[id] = onPush;
            if (_self is null)
            {
                _self = _grains.CreateObjectReference<IPushHubObserver>(this);
                _started = StartFollowingAsync(_self);
            }
            started = _started;
        }
        await started;
        // Read under the gate that flushes offer pushes under: every push this stream is offered
        // after this read is the diff from exactly this snapshot.
        ResourceSnapshot current;
        lock (_gate) current = Current;
        return (current, new Registration(this, id));
    }

    /// <summary>The current snapshot, following the mesh first if no stream has made this silo follow it yet.</summary>
    public async Task<ResourceSnapshot> CurrentAsync()
    {
        var (snapshot, registration) = await RegisterAsync(_ => { });
        registration.Dispose();
        return snapshot;
    }

    public Task OnServiceChanged(ServiceFragments fragments)
    {
        lock (_gate)
        {
            if (_hosts.TryGetValue(fragments.Host, out var known) && known.ChangedAt > fragments.ChangedAt) return Task.CompletedTask;
            _hosts[fragments.Host] = fragments;
            _dirty.Add(fragments.Host);
            if (_oldestPending is null || fragments.ChangedAt < _oldestPending) _oldestPending = fragments.ChangedAt;
        }
        _debouncer.Signal();
        return Task.CompletedTask;
    }

    public Task OnHostsChanged(IReadOnlyList<string> hosts)
    {
        List<string> added;
        lock (_gate)
        {
            added = hosts.Where(_followed.Add).ToList();
            // A host that left the index has already sent its Removed fragments; stop following it.
            foreach (var gone in _followed.Except(hosts).ToList()) _followed.Remove(gone);
        }
        if (_self is { } self)
            foreach (var host in added) _grains.GetGrain<IServiceGrain>(host).SubscribeAsync(self).Ignore();
        return Task.CompletedTask;
    }

    public Task OnSidecarsChanged(IReadOnlyList<Sidecar> sidecars)
    {
        lock (_gate)
        {
            _sidecars = sidecars;
            _sidecarsChanged = true;
            _oldestPending ??= _time.GetUtcNow();
        }
        _debouncer.Signal();
        return Task.CompletedTask;
    }

    private async Task StartFollowingAsync(IPushHubObserver self)
    {
        await RenewAsync(self);
        if (await _grains.GetGrain<IMeshScopeGrain>(IMeshScopeGrain.Key).GetSidecarsAsync() is { } sidecars) await OnSidecarsChanged(sidecars);
        // Wait for the first state of every known host, so a first stream is not answered empty.
        var hosts = await _grains.GetGrain<IServiceIndexGrain>(IServiceIndexGrain.Key).GetHostsAsync() ?? [];
        var fragments = await Task.WhenAll(hosts.Select(h => _grains.GetGrain<IServiceGrain>(h).GetFragmentsAsync()));
        foreach (var f in fragments.OfType<ServiceFragments>()) await OnServiceChanged(f);
        await FlushAsync();
        _renewTimer = _time.CreateTimer(_ => RenewAsync(self).Ignore(), null, RenewInterval, RenewInterval);
        if (_membership is not null) _ = FollowMembershipAsync(self);
    }

    /// <summary>
    /// A silo that died took grains with it; their new activations do not know this hub. Renew at
    /// once (and once more when their recovery has had time) instead of at the next 30 s round.
    /// </summary>
    private async Task FollowMembershipAsync(IPushHubObserver self)
    {
        try
        {
            var dead = new HashSet<SiloAddress>();
            await foreach (var snapshot in _membership!.MembershipUpdates.WithCancellation(_stopping.Token))
            {
                // This silo shutting down is not a loss to recover from.
                var newlyDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && !m.SiloAddress.Equals(_local) && dead.Add(m.SiloAddress)).ToList();
                if (newlyDead.Count == 0) continue;
                LogSiloDied(_logger, string.Join(", ", newlyDead.Select(m => m.SiloAddress.ToString())));
                await RenewAsync(self);
                await Task.Delay(TimeSpan.FromSeconds(2), _time, _stopping.Token);
                await RenewAsync(self);
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception ex)
        {
            LogRenewFailed(_logger, ex);
        }
    }

    private static readonly TimeSpan RenewInterval = TimeSpan.FromSeconds(30);

    private async Task RenewAsync(IPushHubObserver self)
    {
        try
        {
            var index = _grains.GetGrain<IServiceIndexGrain>(IServiceIndexGrain.Key);
            await index.SubscribeAsync(self);
            await _grains.GetGrain<IMeshScopeGrain>(IMeshScopeGrain.Key).SubscribeAsync(self);
            if (await index.GetHostsAsync() is { } hosts) await OnHostsChanged(hosts);
            string[] followed;
            lock (_gate) followed = [.. _followed];
            await Task.WhenAll(followed.Select(h => _grains.GetGrain<IServiceGrain>(h).SubscribeAsync(self)));
        }
        catch (Exception ex)
        {
            LogRenewFailed(_logger, ex);
        }
    }

    private Task FlushAsync()
    {
        try
        {
            PushEvent push;
            Action<PushEvent>[] streams;
            lock (_gate)
            {
                // Only the hosts that changed since the last flush: the rest of the snapshot is shared.
                var (next, changed) = SnapshotBuilder.Apply(Current, _dirty.Select(h => _hosts[h]), _sidecars, _sidecarResources);
                _dirty.Clear();
                var oldest = _oldestPending ?? _time.GetUtcNow();
                var scopesChanged = _sidecarsChanged;
                _oldestPending = null;
                _sidecarsChanged = false;
                // Only when some host's locality policies changed: the common flush leaves the map as it was.
                if (Localities.Count > 0 && !ReferenceEquals(Current.Localities, next.Localities))
                    Localities.Retain(next.Localities.Keys.ToHashSet(StringComparer.Ordinal));
                Current = next;
                // A Sidecar change alters what proxies see without changing any resource.
                if (changed.Count == 0 && !scopesChanged) return Task.CompletedTask;
                push = new PushEvent(next, changed, oldest);
                streams = [.. _streams.Values];
                // Offered under the gate (an offer only fills a slot): two flushes (the debounced one and
                // the first one of StartFollowingAsync) cannot reach a stream out of order, and a stream
                // registering now cannot read this snapshot as Current and then be offered it as a change.
                foreach (var stream in streams) stream(push);
            }
            LogFlush(_logger, push.Changed.Sum(c => c.Value.Count), streams.Length);
            Flushed?.Invoke(push);
        }
        catch (Exception ex)
        {
            LogFlushFailed(_logger, ex);
        }
        return Task.CompletedTask;
    }

    private void Unregister(Guid id)
    {
        lock (_gate) _streams.Remove(id);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_renewTimer is not null) await _renewTimer.DisposeAsync();
        await _debouncer.DisposeAsync();
    }

    private sealed class Registration(PushHub hub, Guid id) : IDisposable
    {
        public void Dispose() => hub.Unregister(id);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Push: {Changed} resources changed, {Streams} local streams")]
    private static partial void LogFlush(ILogger logger, int changed, int streams);

    [LoggerMessage(Level = LogLevel.Error, Message = "Push flush failed")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo(s) {Silos} declared dead: renewing this hub's subscriptions so reactivated grains know it")]
    private static partial void LogSiloDied(ILogger logger, string silos);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing hub subscriptions failed; retrying on the next round")]
    private static partial void LogRenewFailed(ILogger logger, Exception ex);
}
