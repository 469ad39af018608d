using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Xds;

public sealed partial class XdsClient
{
    [LoggerMessage(1, LogLevel.Information, "xDS stream to {Address} established")]
    private partial void LogConnected(string address);

    [LoggerMessage(2, LogLevel.Warning, "xDS stream to {Address} ended by the server")]
    private partial void LogStreamEnded(string address);

    [LoggerMessage(3, LogLevel.Warning, "xDS stream to {Address} failed: {Reason}")]
    private partial void LogStreamFailed(string address, string reason);

    [LoggerMessage(7, LogLevel.Error, "xDS stream to {Address} failed unexpectedly")]
    private partial void LogStreamCrashed(string address, Exception exception);

    [LoggerMessage(4, LogLevel.Information, "reconnecting to the control plane in {DelayMs:F0} ms; serving the last good config meanwhile")]
    private partial void LogReconnecting(double delayMs);

    [LoggerMessage(5, LogLevel.Debug, "{Type} nonce {Nonce} applied and ACKed")]
    private partial void LogAccepted(string type, string nonce);

    [LoggerMessage(8, LogLevel.Debug, "workload health sent to the control plane: healthy={Healthy}")]
    private partial void LogHealthSent(bool healthy);

    [LoggerMessage(9, LogLevel.Debug, "workload health not sent ({Reason}); the next stream sends it")]
    private partial void LogHealthNotSent(string reason);

    [LoggerMessage(6, LogLevel.Warning, "{Type} nonce {Nonce} rejected (NACK), keeping the previous config: {Error}")]
    private partial void LogRejected(string type, string nonce, string error);
}
