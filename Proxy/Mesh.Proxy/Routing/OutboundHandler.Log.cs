using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Routing;

public sealed partial class OutboundHandler
{
    [LoggerMessage(1, LogLevel.Debug, "retrying {Cluster} after attempt {Attempt} to {Address}:{Port}")]
    private partial void LogRetry(string cluster, int attempt, string address, int port);

    [LoggerMessage(2, LogLevel.Debug, "request to {Cluster} timed out after {TimeoutMs} ms")]
    private partial void LogTimeout(string cluster, double timeoutMs);

    [LoggerMessage(3, LogLevel.Debug, "circuit breaker overflow on {Cluster}: request answered 503 UO")]
    private partial void LogOverflow(string cluster);

    [LoggerMessage(4, LogLevel.Debug, "circuit breaker max_retries reached on {Cluster}: retry not attempted")]
    private partial void LogRetryOverflow(string cluster);
}
