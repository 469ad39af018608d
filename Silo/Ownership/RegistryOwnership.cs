using Mesh.Grains.Abstractions;
using Mesh.Registries.Registry;
using Mesh.Registries.Updates;
using Orleans.Runtime;

namespace Mesh.Silo.Ownership;

/// <summary>
/// Runs the registries on one silo of the cluster: the holder of the registry lease. Every silo
/// asks for the lease every <see cref="RenewEvery"/>; the holder renews it, the others stand by.
/// When the holder dies its lease runs out after <see cref="TimeToLive"/> and a standby silo takes
/// over: it starts the registries, which list their sources afresh, then replaces the state of every
/// host the index knows, so hosts the dead owner published and nobody has since are withdrawn.
/// A holder that cannot reach the lease keeps running (nobody else can take it meanwhile); a holder
/// told that another silo holds it stops its silo rather than run a second watch (its proxies
/// reconnect to other silos), since the registries cannot be restarted with a clean slate in-process.
/// </summary>
public sealed partial class RegistryOwnership(
    IServiceProvider services,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    RegistryOwner owner,
    GrainMeshUpdater updater,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<RegistryOwnership> logger) : BackgroundService
{
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);

    private IReadOnlyList<IHostedService> _owned = [];
    private bool _running;

    /// <summary>The lease holder's name as users see it (silo address), when known.</summary>
    public string? Holder { get; private set; }

    public bool IsOwner => _running;

    private string Me => silo.SiloAddress.ToParsableString();

    /// <summary>No other silo is active: the cluster's first silo need not wait for a holder it cannot have.</summary>
    private bool Alone() =>
        membership.CurrentSnapshot.Members.Values.All(m => m.SiloAddress.Equals(silo.SiloAddress) || m.Status != SiloStatus.Active);

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var self = grains.CreateObjectReference<IRegistryOwner>(owner);
        var lease = grains.GetGrain<IRegistryLeaseGrain>(IRegistryLeaseGrain.Key);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var grant = await lease.AcquireAsync(Me, self, TimeToLive, holding: _running, alone: Alone()).WaitAsync(CallTimeout, time, stop);
                Holder = grant.Holder;
                if (grant.Held)
                {
                    if (!_running) await TakeOverAsync(grant.Generation, stop);
                }
                else if (_running)
                {
                    LogLost(logger, Me, grant.Holder);
                    lifetime.StopApplication();
                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The lease grain's silo may have died: until the cluster says so nobody can reach it,
                // nobody else can take the lease either, and this silo keeps the registries running.
                LogRenewFailed(logger, ex.GetType().Name, ex.Message);
            }
            try { await Task.Delay(RenewEvery, time, stop); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task TakeOverAsync(long generation, CancellationToken stop)
    {
        LogTookOver(logger, Me, generation);
        _owned = [.. services.GetKeyedServices<IHostedService>(OwnedServices.Key)];
        owner.Started(Me, time.GetUtcNow());
        _running = true;
        foreach (var service in _owned) await service.StartAsync(stop);
        // In the background: the lease must keep being renewed while the sources sync.
        _ = ReconcileAsync(stop);
    }

    /// <summary>
    /// Once the registries have synced, hosts the index lists are told exactly what this owner has
    /// for them: a host the previous owner published that no longer exists is withdrawn.
    /// </summary>
    private async Task ReconcileAsync(CancellationToken stop)
    {
        try
        {
            while (!owner.Synced)
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, stop);
            var index = grains.GetGrain<IServiceIndexGrain>(IServiceIndexGrain.Key);
            var hosts = await index.GetHostsAsync() ?? [];
            var stale = hosts.Where(h => !owner.Published.Knows(h)).ToList();
            await Parallel.ForEachAsync(stale, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stop },
                async (host, _) => await updater.ReplaceAsync(host));
            // An index rebuilt while the registries were still listing may lack hosts whose grains never changed since.
            var missing = owner.Published.PresentHosts().Except(hosts, StringComparer.Ordinal).ToList();
            foreach (var host in missing) await index.SetPresentAsync(host, true);
            LogReconciled(logger, hosts.Count, stale.Count, missing.Count);
        }
        catch (OperationCanceledException) { }
        catch (Exception ex)
        {
            LogReconcileFailed(logger, ex);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!_running) return;
        foreach (var service in _owned.Reverse())
        {
            try { await service.StopAsync(cancellationToken); }
            catch (Exception ex) { LogStopFailed(logger, service.GetType().Name, ex); }
        }
        // Let a standby silo take over now rather than after the lease runs out.
        try { await grains.GetGrain<IRegistryLeaseGrain>(IRegistryLeaseGrain.Key).ReleaseAsync(Me).WaitAsync(CallTimeout, time, cancellationToken); }
        catch (Exception ex) { LogRenewFailed(logger, ex.GetType().Name, ex.Message); }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} holds the registry lease (generation {Generation}): starting the registries")]
    private static partial void LogTookOver(ILogger logger, string silo, long generation);

    [LoggerMessage(Level = LogLevel.Error, Message = "Silo {Silo} lost the registry lease (now held by {Holder}); stopping so that one silo alone watches the registries")]
    private static partial void LogLost(ILogger logger, string silo, string? holder);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Registry lease renewal failed: {Error}: {Message}")]
    private static partial void LogRenewFailed(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registries synced: {Hosts} hosts in the index, {Stale} replaced with what this owner has, {Missing} added to it")]
    private static partial void LogReconciled(ILogger logger, int hosts, int stale, int missing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciling hosts after taking the registries over failed")]
    private static partial void LogReconcileFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping {Service} failed")]
    private static partial void LogStopFailed(ILogger logger, string service, Exception ex);
}
