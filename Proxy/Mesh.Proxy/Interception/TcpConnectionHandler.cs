using System.Net;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.LoadBalancing;
using Mesh.Proxy.Observability;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Interception;

/// <summary>
/// The connections this proxy forwards as bytes: intercepted outbound connections to a TCP
/// listener's cluster or, for destinations no listener takes, straight to the original
/// destination (Istio's PassthroughCluster, outboundTrafficPolicy ALLOW_ANY); inbound connections
/// that are not HTTP go to the app's port on loopback. Each ends with Istio's TCP metrics and an
/// access log line whose request part is "- - -", as Envoy's.
/// </summary>
public sealed partial class TcpConnectionHandler(
    XdsProxyConfigProvider provider,
    EndpointPicker picker,
    ProxyMetrics metrics,
    AccessLogWriter accessLog,
    TimeProvider time,
    ILogger<TcpConnectionHandler> logger)
{
    public const string PassthroughCluster = "PassthroughCluster";
    private static readonly TimeSpan PassthroughConnectTimeout = TimeSpan.FromSeconds(10);

    public async Task ForwardToClusterAsync(ConnectionContext connection, OriginalDestination original, ListenerSnapshot listener)
    {
        var snapshot = provider.Current.Snapshot;
        var clusterName = listener.TcpCluster!;
        var start = time.GetTimestamp();
        var started = time.GetUtcNow();
        if (!snapshot.Clusters.TryGetValue(clusterName, out var cluster))
        {
            Finish(connection, TrafficDirection.Outbound, original, clusterName, null, new TcpForwardResult(0, 0, "NC"), started, start);
            return;
        }
        var endpoint = picker.Pick(cluster, snapshot.EndpointsOf(cluster));
        if (endpoint is null)
        {
            Finish(connection, TrafficDirection.Outbound, original, clusterName, null, new TcpForwardResult(0, 0, "UH"), started, start);
            return;
        }
        var address = await ResolveAsync(endpoint.Address, connection.ConnectionClosed);
        TcpForwardResult result;
        if (address is null) result = new TcpForwardResult(0, 0, "UF");
        else
        {
            metrics.TcpOpened(TrafficDirection.Outbound, clusterName, Authority(original));
            using (picker.Begin(cluster.Name, endpoint))
                result = await TcpForwarder.ForwardAsync(connection, new IPEndPoint(address, endpoint.Port), cluster.ConnectTimeout, connection.ConnectionClosed);
        }
        // A refused connection counts towards outlier detection as Envoy's connect failures do.
        if (result.Flags == "UF") picker.Report(cluster, endpoint, 503);
        Finish(connection, TrafficDirection.Outbound, original, clusterName, $"{endpoint.Address}:{endpoint.Port}", result, started, start);
    }

    public async Task PassthroughAsync(ConnectionContext connection, OriginalDestination original)
    {
        var start = time.GetTimestamp();
        var started = time.GetUtcNow();
        metrics.TcpOpened(TrafficDirection.Outbound, PassthroughCluster, Authority(original));
        var result = await TcpForwarder.ForwardAsync(connection, original.EndPoint, PassthroughConnectTimeout, connection.ConnectionClosed);
        Finish(connection, TrafficDirection.Outbound, original, PassthroughCluster, original.EndPoint.ToString(), result, started, start);
    }

    /// <summary>Inbound TCP: to the app on loopback at the port the peer dialed (Istio's inbound passthrough).</summary>
    public async Task InboundAsync(ConnectionContext connection, OriginalDestination original)
    {
        var start = time.GetTimestamp();
        var started = time.GetUtcNow();
        var cluster = $"inbound|{original.EndPoint.Port}||";
        var target = new IPEndPoint(IPAddress.Loopback, original.EndPoint.Port);
        metrics.TcpOpened(TrafficDirection.Inbound, cluster, Authority(original));
        var result = await TcpForwarder.ForwardAsync(connection, target, PassthroughConnectTimeout, connection.ConnectionClosed);
        Finish(connection, TrafficDirection.Inbound, original, cluster, target.ToString(), result, started, start);
    }

    private void Finish(ConnectionContext connection, TrafficDirection direction, OriginalDestination original, string cluster, string? upstreamHost,
        TcpForwardResult result, DateTimeOffset started, long start)
    {
        if (result.Flags != "-") LogRefused(direction, original.EndPoint.ToString(), cluster, result.Flags);
        var record = new RequestRecord(direction, started, time.GetElapsedTime(start), "-", "-", "-", Authority(original),
            RequestId: null, UserAgent: null, ForwardedFor: null, TraceId: null, ResponseCode: 0, result.Flags,
            ResponseCodeDetails: "-", result.BytesReceived, result.BytesSent, RouteName: null, cluster, upstreamHost,
            DownstreamLocalAddress: original.EndPoint.ToString(), DownstreamRemoteAddress: connection.RemoteEndPoint?.ToString() ?? "-",
            Grpc: false, GrpcStatus: null);
        metrics.TcpClosed(record);
        if (accessLog.Enabled) accessLog.TryEnqueue(record);
    }

    private static string Authority(OriginalDestination original) => original.EndPoint.ToString();

    private static async Task<IPAddress?> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var ip)) return ip;
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            return addresses.Length > 0 ? addresses[0] : null;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Direction} TCP connection to {Destination} via {Cluster} ended with {Flags}")]
    private partial void LogRefused(TrafficDirection direction, string destination, string cluster, string flags);
}
