using Mesh.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Mesh.Silo.Vm;

/// <summary>
/// One stream's VM side: the auto-registered WorkloadEntry's lease when its proxy auto-registers,
/// else nothing (health reports are then ignored, as Istio keeps health only for auto-registered
/// workloads; a pod's readiness comes from Kubernetes).
/// </summary>
public sealed partial class VmSession : IWorkloadSession
{
    private readonly WorkloadLease? _lease;
    private readonly ILogger _logger;
    private readonly string _logId;

    private VmSession(WorkloadLease? lease, ILogger logger, string logId)
    {
        _lease = lease;
        _logger = logger;
        _logId = logId;
    }

    /// <summary>
    /// Registers the proxy when it asks to be (throws PermissionDenied when it may not); without
    /// auto-registration on this silo (protocol tests) the session holds nothing.
    /// </summary>
    /// <param name="logId">The proxy id as it may be logged (escaped, bounded).</param>
    public static async Task<VmSession> OpenAsync(AutoRegistration? registration, ProxyIdentity proxy, StreamCaller? caller,
        ILogger logger, string logId, CancellationToken cancel)
    {
        var lease = registration is null ? null : await registration.RegisterAsync(proxy, caller ?? new StreamCaller(null, null), cancel);
        return new VmSession(lease, logger, logId);
    }

    public async Task ReportHealthAsync(bool healthy, string? message)
    {
        if (_lease is null)
        {
            LogHealthIgnored(_logger, _logId);
            return;
        }
        try { await _lease.ReportHealthAsync(healthy, message); }
        catch (Exception ex) { LogRecordFailed(_logger, _logId, ex); }
    }

    public ValueTask DisposeAsync() => _lease?.DisposeAsync() ?? ValueTask.CompletedTask;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Proxy {ProxyId} reported health but is not auto-registered; ignored")]
    private static partial void LogHealthIgnored(ILogger logger, string proxyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording status of proxy {ProxyId} failed")]
    private static partial void LogRecordFailed(ILogger logger, string proxyId, Exception ex);
}
