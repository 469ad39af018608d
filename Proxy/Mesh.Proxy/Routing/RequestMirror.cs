using System.Globalization;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.LoadBalancing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Routing;

/// <summary>
/// Envoy's request mirroring (shadowing): a share of a route's requests is copied to another
/// cluster, fire-and-forget. The copy is the upstream request (after prefix and host rewrites and
/// header operations) with "-shadow" appended to the host; its response is read and dropped, and
/// nothing about it (latency, failure, status) reaches the caller. A body must be sent twice, so
/// only requests without one or with a declared length up to <see cref="MaxBodyBytes"/> are
/// mirrored; larger and chunked bodies are streamed to the primary only.
/// </summary>
public sealed partial class RequestMirror(UpstreamInvoker upstream, EndpointPicker picker, TimeProvider time, ILogger<RequestMirror> logger)
{
    public const int MaxBodyBytes = 64 * 1024;

    // Bounds the copies a slow mirror can pile up; beyond it copies are dropped, never queued.
    private const int MaxInFlight = 1024;

    // A mirror's own deadline when the route has none: a stuck mirror must not hold sockets for ever.
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Proxy-Connection", "Proxy-Authorization",
    };

    private int _inFlight;

    /// <summary>Copies sent and not yet finished (for tests).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Draws each mirror policy, buffers a small body so the primary and the copies can all send it,
    /// and starts the copies without awaiting them. Call before forwarding the primary.
    /// </summary>
    public async ValueTask StartAsync(HttpContext context, ProxySnapshot snapshot, RouteEntry route, ForwardAction action, string authority, ulong? hash)
    {
        List<MirrorSpec>? chosen = null;
        foreach (var mirror in action.Mirrors)
        {
            if ((uint)Random.Shared.Next((int)RoutePolicyTranslator.Million) < mirror.PerMillion) (chosen ??= []).Add(mirror);
        }
        if (chosen is null) return;

        var body = await BufferBodyAsync(context);
        if (body is null)
        {
            LogBodyTooLarge(chosen[0].Cluster, context.Request.ContentLength);
            return;
        }
        var host = action.HostRewrite ?? authority;
        var pathAndQuery = RouteTransformer.RewrittenPathAndQuery(context.Request, route, action);
        var headers = context.Request.Headers.Where(h => !HopByHop.Contains(h.Key) && !h.Key.StartsWith(':')).ToArray();
        var method = new HttpMethod(context.Request.Method);
        var timeout = action.Timeout ?? DefaultTimeout;
        foreach (var mirror in chosen)
        {
            if (!snapshot.Clusters.TryGetValue(mirror.Cluster, out var cluster)) continue;
            var endpoint = picker.Pick(cluster, snapshot.EndpointsOf(cluster), hash);
            if (endpoint is null)
            {
                LogNoEndpoint(mirror.Cluster);
                continue;
            }
            if (Interlocked.Increment(ref _inFlight) > MaxInFlight)
            {
                Interlocked.Decrement(ref _inFlight);
                LogDropped(mirror.Cluster, MaxInFlight);
                continue;
            }
            var copy = new MirrorCopy(method, pathAndQuery, mirror.HostSuffix ? ShadowHost(host) : host, headers, body.Value, route.Headers, cluster, endpoint, timeout);
            // Thread pool, not the caller's continuation: building and sending the copy costs the caller nothing.
            _ = Task.Run(() => SendAsync(copy));
        }
    }

    /// <summary>Envoy puts "-shadow" on the host, before any port ("echo:8080" becomes "echo-shadow:8080").</summary>
    public static string ShadowHost(string host)
    {
        var port = OutboundRouter.Port(host);
        var suffix = $":{port.ToString(CultureInfo.InvariantCulture)}";
        return host.EndsWith(suffix, StringComparison.Ordinal) && host.Length > suffix.Length
            ? $"{host[..^suffix.Length]}-shadow{suffix}"
            : $"{host}-shadow";
    }

    /// <summary>The body as bytes (empty when the request has none); null when it cannot be replayed.</summary>
    private static async ValueTask<ReadOnlyMemory<byte>?> BufferBodyAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true) return ReadOnlyMemory<byte>.Empty;
        if (context.Request.ContentLength is not { } length || length > MaxBodyBytes) return null;
        var bytes = new byte[length];
        await context.Request.Body.ReadExactlyAsync(bytes, context.RequestAborted);
        // The primary now reads the same bytes from memory.
        context.Request.Body = new MemoryStream(bytes, writable: false);
        return bytes;
    }

    private async Task SendAsync(MirrorCopy copy)
    {
        var address = copy.Endpoint.Address.Contains(':') ? $"[{copy.Endpoint.Address}]:{copy.Endpoint.Port}" : $"{copy.Endpoint.Address}:{copy.Endpoint.Port}";
        try
        {
            using var lease = picker.Begin(copy.Cluster.Name, copy.Endpoint);
            using var timeout = new CancellationTokenSource(copy.Timeout, time);
            using var request = new HttpRequestMessage(copy.Method, $"http://{address}{copy.PathAndQuery}")
            {
                Version = copy.Cluster.Protocol == UpstreamProtocol.Http2 ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            if (!copy.Body.IsEmpty) request.Content = new ReadOnlyMemoryContent(copy.Body);
            foreach (var (name, values) in copy.Headers)
            {
                if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values)) request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
            request.Headers.Host = copy.Host;
            RouteTransformer.Apply(request, copy.RouteHeaders);
            using var response = await upstream.Invoker.SendAsync(request, timeout.Token);
            // Drained, not just disposed, so the connection goes back to the pool.
            await response.Content.CopyToAsync(Stream.Null, timeout.Token);
            LogMirrored(copy.Cluster.Name, address, (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            LogFailed(copy.Cluster.Name, address, e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private sealed record MirrorCopy(
        HttpMethod Method,
        string PathAndQuery,
        string Host,
        KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>[] Headers,
        ReadOnlyMemory<byte> Body,
        HeaderOperations RouteHeaders,
        ClusterSnapshot Cluster,
        EndpointSnapshot Endpoint,
        TimeSpan Timeout);

    [LoggerMessage(1, LogLevel.Debug, "mirror to {Cluster} skipped: a body of {Length} bytes (null: chunked) cannot be replayed")]
    private partial void LogBodyTooLarge(string cluster, long? length);

    [LoggerMessage(2, LogLevel.Debug, "mirror to {Cluster} skipped: no healthy endpoint")]
    private partial void LogNoEndpoint(string cluster);

    [LoggerMessage(3, LogLevel.Warning, "mirror to {Cluster} dropped: {Max} copies already in flight")]
    private partial void LogDropped(string cluster, int max);

    [LoggerMessage(4, LogLevel.Debug, "mirrored to {Cluster} at {Address}: {Status}")]
    private partial void LogMirrored(string cluster, string address, int status);

    [LoggerMessage(5, LogLevel.Debug, "mirror to {Cluster} at {Address} failed: {Error}")]
    private partial void LogFailed(string cluster, string address, string error);
}
