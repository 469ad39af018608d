using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Vm;

/// <summary>
/// One stream's hold on its auto-registered entry: connects it, renews the connection while the
/// stream lives (so the grain can tell a silo that crashed from one that is quiet), forwards
/// health reports, and disconnects when disposed.
/// </summary>
public sealed partial class WorkloadLease(
    IWorkloadEntryGrain grain, string connectionId, AutoRegisteredWorkload workload, TimeSpan grace, TimeProvider time, ILogger logger)
    : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _renewals = Task.CompletedTask;

    public AutoRegisteredWorkload Workload => workload;

    public async Task StartAsync(CancellationToken cancel)
    {
        await grain.ConnectAsync(connectionId, workload);
        _renewals = RenewAsync(_stop.Token);
    }

    public Task ReportHealthAsync(bool healthy, string? message) =>
        grain.ReportHealthAsync(new WorkloadHealthReport(healthy, healthy ? null : message, time.GetUtcNow()));

    private async Task RenewAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(IWorkloadEntryGrain.RenewEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try { await grain.ConnectAsync(connectionId, workload); }
                catch (Exception ex) when (ex is not OperationCanceledException) { LogRenewFailed(logger, workload.Namespace, workload.Name, ex); }
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewals;
        _stop.Dispose();
        try { await grain.DisconnectAsync(connectionId, grace); }
        catch (Exception ex) { LogRenewFailed(logger, workload.Namespace, workload.Name, ex); }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing or releasing WorkloadEntry {Namespace}/{Name} failed")]
    private static partial void LogRenewFailed(ILogger logger, string @namespace, string name, Exception ex);
}
