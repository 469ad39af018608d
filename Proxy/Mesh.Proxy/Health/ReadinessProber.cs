using Mesh.Api.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Health;

/// <summary>
/// Runs the WorkloadGroup's readiness probe on the VM, as pilot-agent does: after initialDelaySeconds,
/// every periodSeconds, each attempt bounded by timeoutSeconds; thresholds turn attempts into health
/// changes, which go to <see cref="WorkloadHealthState"/> and from there to the control plane.
/// </summary>
public sealed partial class ReadinessProber(
    ReadinessProbe probe,
    Func<ReadinessProbe, CancellationToken, Task<ProbeResult>> check,
    WorkloadHealthState state,
    TimeProvider time,
    ILogger<ReadinessProber> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stop) => RunAsync(stop);

    /// <summary>The probe loop; public so tests drive it on a fake clock without the host's threading.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var thresholds = new ProbeThresholds(probe.SuccessThreshold, probe.FailureThreshold);
        try
        {
            if (probe.InitialDelaySeconds > 0) await Task.Delay(TimeSpan.FromSeconds(probe.InitialDelaySeconds), time, stop);
            while (!stop.IsCancellationRequested)
            {
                ProbeResult result;
                using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Max(probe.TimeoutSeconds, 1)), time))
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stop))
                {
                    try { result = await check(probe, linked.Token); }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
                    catch (Exception e) { result = new ProbeResult(false, e.Message); }
                }
                if (thresholds.Observe(result) is { } change)
                {
                    LogChanged(logger, change.Healthy, change.Message);
                    state.Set(change);
                }
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(probe.PeriodSeconds, 1)), time, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workload readiness changed: healthy={Healthy} {Message}")]
    private static partial void LogChanged(ILogger logger, bool healthy, string? message);
}
