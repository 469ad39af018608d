namespace Mesh.Proxy.Observability;

public enum TrafficDirection { Outbound, Inbound }

public enum AccessLogFormat { Text, Json }

/// <summary>
/// One finished request as the metrics and the access log see it: plain values copied out of the
/// HttpContext, because the context is recycled by Kestrel while the access log is still queued.
/// </summary>
/// <param name="Path">X-Envoy-Original-Path if present, else path and query (Envoy's %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%).</param>
/// <param name="ResponseCode">0 when the caller went away before a response started (Envoy's DC).</param>
/// <param name="ResponseFlags">"-" or Envoy's flags joined by commas ("UF,URX").</param>
/// <param name="GrpcStatus">grpc-status from trailers (or a trailers-only response); null when not gRPC or absent.</param>
public sealed record RequestRecord(
    TrafficDirection Direction,
    DateTimeOffset StartTime,
    TimeSpan Duration,
    string Method,
    string Path,
    string Protocol,
    string Authority,
    string? RequestId,
    string? UserAgent,
    string? ForwardedFor,
    string? TraceId,
    int ResponseCode,
    string ResponseFlags,
    string ResponseCodeDetails,
    long BytesReceived,
    long BytesSent,
    string? RouteName,
    string? UpstreamCluster,
    string? UpstreamHost,
    string DownstreamLocalAddress,
    string DownstreamRemoteAddress,
    bool Grpc,
    string? GrpcStatus)
{
    /// <summary>The upstream endpoint's Istio workload metadata (outbound), for the destination labels.</summary>
    public Configuration.WorkloadMetadata? UpstreamWorkload { get; init; }
}

/// <param name="AccessLog">"off", "stdout" or a file path (appended to).</param>
public sealed record ObservabilityOptions(
    Xds.ProxyIdentity Identity,
    int AppPort,
    string AccessLog = "off",
    AccessLogFormat AccessLogFormat = AccessLogFormat.Text,
    int AccessLogCapacity = 8192);
