using Mesh.Grains.Abstractions;
using Mesh.Registries.Vm;

namespace Mesh.Silo.Vm;

/// <summary>
/// At silo start, entries already kept (files in autoregistered/, or WorkloadEntry CRs) get a grace period: their proxies reconnect
/// (to this silo or another) and keep them, or they are removed. A restart therefore neither
/// loses a connected VM's entry nor keeps a gone VM's entry forever.
/// </summary>
public sealed partial class AutoRegistrationAdoption(
    IAutoRegisteredEntries entries, AutoRegistrationOptions options, IGrainFactory grains, ILogger<AutoRegistrationAdoption> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        try
        {
            foreach (var (ns, name) in await entries.ListAsync())
            {
                await grains.GetGrain<IWorkloadEntryGrain>(IWorkloadEntryGrain.KeyOf(ns, name)).AdoptAsync(options.GracePeriod);
                LogAdopted(logger, ns, name, options.GracePeriod.TotalMilliseconds);
            }
        }
        catch (Exception ex) when (!stop.IsCancellationRequested)
        {
            LogFailed(logger, entries.Location, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Auto-registered WorkloadEntry {Namespace}/{Name} found at start; removed in {GraceMs} ms unless its proxy reconnects")]
    private static partial void LogAdopted(ILogger logger, string @namespace, string name, double graceMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading auto-registered entries in {Location} failed")]
    private static partial void LogFailed(ILogger logger, string location, Exception ex);
}
