using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Routing;

public sealed partial class OutboundHandler
{
    [LoggerMessage(1, LogLevel.Debug, "retrying {Cluster} after attempt {Attempt} to {Address}:{Port}")]
    private partial void LogRetry(string cluster, int attempt, string address, int port);

    [LoggerMessage(2, LogLevel.Debug, "request to {Cluster} timed out after {TimeoutMs} ms")]
    private partial void LogTimeout(string cluster, double timeoutMs);
}
