using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Wraps a listener's handler: at the start it makes sure of x-request-id, counts body bytes and
/// puts a <see cref="RequestObservation"/> on the context; at the end it turns the request into a
/// <see cref="RequestRecord"/> for the Istio metrics (inline: a few counter updates) and the access
/// log (queued). The handlers only report the route, cluster and endpoint of each attempt.
/// </summary>
public sealed class RequestObserver(ObservabilityOptions options, ProxyMetrics metrics, AccessLogWriter accessLog, TimeProvider time)
{
    // Istio's inbound cluster name for the app port, and the app as the upstream of every inbound request.
    private readonly string _inboundCluster = $"inbound|{options.AppPort}||";
    private readonly string _inboundHost = $"127.0.0.1:{options.AppPort}";

    public Task Outbound(HttpContext context, RequestDelegate next) => ObserveAsync(context, next, TrafficDirection.Outbound);

    public Task Inbound(HttpContext context, RequestDelegate next) => ObserveAsync(context, next, TrafficDirection.Inbound);

    public async Task ObserveAsync(HttpContext context, RequestDelegate next, TrafficDirection direction)
    {
        var started = time.GetTimestamp();
        var startTime = time.GetUtcNow();
        var request = context.Request;
        var requestId = TraceHeaders.EnsureRequestId(request.Headers);

        var observation = new RequestObservation();
        var original = context.Features.Get<Interception.OriginalDestination>();
        if (direction == TrafficDirection.Inbound && original is not null)
            observation.OnUpstream($"inbound|{original.EndPoint.Port}||", $"127.0.0.1:{original.EndPoint.Port}");
        else if (direction == TrafficDirection.Inbound && options.AppPort != 0) observation.OnUpstream(_inboundCluster, _inboundHost);
        context.Features.Set(observation);

        // Bodiless requests (most GETs) keep the server's own stream: nothing to count.
        CountingStream? requestBody = null;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false) request.Body = requestBody = new CountingStream(request.Body);
        var serverBody = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var responseBody = new CountingResponseBody(serverBody);
        context.Features.Set<IHttpResponseBodyFeature>(responseBody);

        var failed = false;
        try
        {
            await next(context);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            context.Features.Set(serverBody);
            var record = Finish(context, direction, observation, startTime, time.GetElapsedTime(started), requestId,
                requestBody?.Count ?? 0, responseBody.Count, failed);
            metrics.Record(record);
            accessLog.TryEnqueue(record);
        }
    }

    private static RequestRecord Finish(
        HttpContext context, TrafficDirection direction, RequestObservation observation, DateTimeOffset startTime, TimeSpan duration,
        string requestId, long bytesReceived, long bytesSent, bool failed)
    {
        var request = context.Request;
        var response = context.Response;
        var aborted = context.RequestAborted.IsCancellationRequested;
        // A response that never started was never sent: Envoy logs 0 for a caller gone before it, and
        // the server answers 500 for a handler that threw.
        var status = response.HasStarted || !(aborted || failed) ? response.StatusCode : aborted ? 0 : StatusCodes.Status500InternalServerError;
        var error = context.Features.Get<IForwarderErrorFeature>()?.Error ?? ForwarderError.None;
        var localFlag = response.Headers[ResponseFlags.Header];
        var (flags, details) = ResponseFlags.Compute(localFlag.Count > 0 ? localFlag[0] : null, error, aborted, observation, status,
            Routing.InjectedFault.Of(context)?.Flags);
        var grpc = request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
        var headers = request.Headers;
        var connection = context.Connection;
        return new RequestRecord(
            direction,
            startTime,
            duration,
            request.Method,
            headers["x-envoy-original-path"] is { Count: > 0 } original ? original[0]! : request.Path.Value + request.QueryString.Value,
            request.Protocol,
            request.Host.Value ?? "",
            requestId,
            First(headers.UserAgent),
            First(headers["x-forwarded-for"]),
            TraceHeaders.TraceId(headers),
            status,
            flags,
            details,
            bytesReceived,
            bytesSent,
            observation.Route?.Name is { Length: > 0 } route ? route : null,
            observation.Cluster,
            observation.UpstreamHost,
            // Envoy's downstream local address is where the peer was headed, before any redirect.
            context.Features.Get<Interception.OriginalDestination>()?.EndPoint.ToString() ?? Address(connection.LocalIpAddress, connection.LocalPort),
            Address(connection.RemoteIpAddress, connection.RemotePort),
            grpc,
            grpc ? GrpcStatus(context) : null)
        {
            UpstreamWorkload = observation.UpstreamWorkload,
        };
    }

    private static string? First(Microsoft.Extensions.Primitives.StringValues values) => values.Count > 0 ? values[0] : null;

    private static string Address(System.Net.IPAddress? ip, int port) =>
        ip is null ? "-" : ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{ip}]:{port.ToString(CultureInfo.InvariantCulture)}"
            : $"{ip}:{port.ToString(CultureInfo.InvariantCulture)}";

    // gRPC puts its status in trailers, or in the headers of a trailers-only response.
    private static string? GrpcStatus(HttpContext context) =>
        context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers && trailers.TryGetValue("grpc-status", out var t) && t.Count > 0 ? t[0]
        : context.Response.Headers.TryGetValue("grpc-status", out var h) && h.Count > 0 ? h[0] : null;
}
