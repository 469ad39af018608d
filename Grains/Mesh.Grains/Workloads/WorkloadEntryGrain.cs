using Mesh.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Mesh.Grains.Workloads;

/// <summary>
/// Istio's auto-registration controller for one entry: counts the streams connected for it on
/// every silo, keeps its health, and removes it a grace period after the last stream ended.
/// Streams renew their connection every <see cref="IWorkloadEntryGrain.RenewEvery"/>; one not renewed for
/// <see cref="LeaseExpiry"/> counts as gone, so a crashed silo's streams cannot keep an entry forever,
/// and an activation re-created elsewhere learns its connections back within one renewal.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class WorkloadEntryGrain(IAutoRegistrationStore store, TimeProvider time, ILogger<WorkloadEntryGrain> logger)
    : Grain, IWorkloadEntryGrain
{
    public static readonly TimeSpan LeaseExpiry = TimeSpan.FromSeconds(95);

    private readonly Dictionary<string, DateTimeOffset> _connections = new(StringComparer.Ordinal);
    private AutoRegisteredWorkload? _workload;
    private AutoRegisteredWorkload? _written;
    private WorkloadHealthReport? _health;
    private WorkloadHealthReport? _writtenHealth;
    private bool _healthLoaded;
    private IGrainTimer? _removal;
    private IGrainTimer? _leases;
    private TimeSpan _grace = TimeSpan.FromSeconds(10);

    private (string Namespace, string Name) Id
    {
        get
        {
            var key = this.GetPrimaryKeyString();
            var slash = key.IndexOf('/');
            return (key[..slash], key[(slash + 1)..]);
        }
    }

    public async Task ConnectAsync(string connectionId, AutoRegisteredWorkload workload)
    {
        var first = _connections.Count == 0;
        _connections[connectionId] = time.GetUtcNow();
        _removal?.Dispose();
        _removal = null;
        _leases ??= this.RegisterGrainTimer(SweepLeasesAsync, new GrainTimerCreationOptions(IWorkloadEntryGrain.RenewEvery, IWorkloadEntryGrain.RenewEvery) { KeepAlive = true });

        if (!_healthLoaded)
        {
            // After a control plane restart the entry's last health is on disk: keep serving it
            // as it was until the proxy reports again, so a restart does not flap the endpoint.
            _health ??= await store.ReadHealthAsync(workload.Namespace, workload.Name);
            _healthLoaded = true;
        }
        // A workload with a probe is not ready until the probe says so (Kubernetes' readiness semantics).
        _health ??= workload.HasProbe ? new WorkloadHealthReport(false, "readiness probe has not run yet", time.GetUtcNow()) : null;

        var connectedAt = first || _workload is null
            ? time.GetUtcNow().ToString("O")
            : _workload.Annotations.GetValueOrDefault(AutoRegistrationAnnotations.ConnectedAt) ?? time.GetUtcNow().ToString("O");
        _workload = Annotate(workload, connectedAt, disconnectedAt: null);
        if (first) LogConnected(logger, workload.Namespace, workload.Name, workload.Address, connectionId);
        await WriteIfChangedAsync();
    }

    public async Task DisconnectAsync(string connectionId, TimeSpan grace)
    {
        if (!_connections.Remove(connectionId)) return;
        _grace = grace;
        if (_connections.Count > 0) return;
        if (_workload is not null)
        {
            _workload = Annotate(_workload, _workload.Annotations.GetValueOrDefault(AutoRegistrationAnnotations.ConnectedAt), time.GetUtcNow().ToString("O"));
            await WriteIfChangedAsync();
        }
        ScheduleRemoval(grace);
    }

    public async Task ReportHealthAsync(WorkloadHealthReport report)
    {
        _healthLoaded = true;
        if (_health is { } current && current.Healthy == report.Healthy && current.Message == report.Message) return;
        _health = report;
        var (ns, name) = Id;
        LogHealth(logger, ns, name, report.Healthy, report.Message);
        await WriteIfChangedAsync();
    }

    public Task AdoptAsync(TimeSpan grace)
    {
        _grace = grace;
        if (_connections.Count == 0 && _removal is null) ScheduleRemoval(grace);
        return Task.CompletedTask;
    }

    public Task<WorkloadEntryState> GetStateAsync() =>
        Task.FromResult(new WorkloadEntryState(_connections.Count, _removal is not null, _health));

    private void ScheduleRemoval(TimeSpan grace)
    {
        _removal?.Dispose();
        _removal = this.RegisterGrainTimer(RemoveAsync, new GrainTimerCreationOptions(grace, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task RemoveAsync(CancellationToken cancel)
    {
        _removal?.Dispose();
        _removal = null;
        if (_connections.Count > 0) return;
        var (ns, name) = Id;
        await store.DeleteAsync(ns, name);
        LogRemoved(logger, ns, name, _grace.TotalMilliseconds);
        _leases?.Dispose();
        _leases = null;
        _workload = _written = null;
        _health = _writtenHealth = null;
        _healthLoaded = false;
        DeactivateOnIdle();
    }

    private Task SweepLeasesAsync(CancellationToken cancel)
    {
        var now = time.GetUtcNow();
        var expired = _connections.Where(c => now - c.Value > LeaseExpiry).Select(c => c.Key).ToList();
        if (expired.Count == 0) return Task.CompletedTask;
        foreach (var id in expired) _connections.Remove(id);
        var (ns, name) = Id;
        LogLeasesExpired(logger, ns, name, expired.Count);
        if (_connections.Count == 0 && _removal is null) ScheduleRemoval(_grace);
        return Task.CompletedTask;
    }

    private async Task WriteIfChangedAsync()
    {
        if (_workload is null) return;
        if (Same(_workload, _written) && _health == _writtenHealth) return;
        await store.WriteAsync(_workload, _health);
        _written = _workload;
        _writtenHealth = _health;
    }

    private static AutoRegisteredWorkload Annotate(AutoRegisteredWorkload workload, string? connectedAt, string? disconnectedAt)
    {
        var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in workload.Annotations) annotations[key] = value;
        annotations[AutoRegistrationAnnotations.Group] = workload.Group;
        annotations[AutoRegistrationAnnotations.Controller] = AutoRegistrationAnnotations.ControllerName;
        annotations.Remove(AutoRegistrationAnnotations.ConnectedAt);
        annotations.Remove(AutoRegistrationAnnotations.DisconnectedAt);
        if (connectedAt is not null) annotations[AutoRegistrationAnnotations.ConnectedAt] = connectedAt;
        if (disconnectedAt is not null) annotations[AutoRegistrationAnnotations.DisconnectedAt] = disconnectedAt;
        return workload with { Annotations = annotations };
    }

    private static bool Same(AutoRegisteredWorkload a, AutoRegisteredWorkload? b) =>
        b is not null
        && a with { Labels = b.Labels, Annotations = b.Annotations, Ports = b.Ports } == b
        && a.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).SequenceEqual(b.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        && a.Annotations.OrderBy(kv => kv.Key, StringComparer.Ordinal).SequenceEqual(b.Annotations.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        && a.Ports.OrderBy(kv => kv.Key, StringComparer.Ordinal).SequenceEqual(b.Ports.OrderBy(kv => kv.Key, StringComparer.Ordinal));

    [LoggerMessage(Level = LogLevel.Information, Message = "WorkloadEntry {Namespace}/{Name} registered for {Address} (connection {Connection})")]
    private static partial void LogConnected(ILogger logger, string @namespace, string name, string address, string connection);

    [LoggerMessage(Level = LogLevel.Information, Message = "WorkloadEntry {Namespace}/{Name} health: healthy={Healthy} {Message}")]
    private static partial void LogHealth(ILogger logger, string @namespace, string name, bool healthy, string? message);

    [LoggerMessage(Level = LogLevel.Information, Message = "WorkloadEntry {Namespace}/{Name} removed: no proxy connected for {GraceMs} ms")]
    private static partial void LogRemoved(ILogger logger, string @namespace, string name, double graceMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WorkloadEntry {Namespace}/{Name}: {Count} connections not renewed, counted as gone")]
    private static partial void LogLeasesExpired(ILogger logger, string @namespace, string name, int count);
}
