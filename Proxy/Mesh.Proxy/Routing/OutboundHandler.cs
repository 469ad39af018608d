using Mesh.Proxy.Configuration;
using Mesh.Proxy.LoadBalancing;
using Mesh.Proxy.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Routing;

/// <summary>
/// The outbound listener's request path: select virtual host and route, answer direct responses
/// and redirects, else pick a cluster by weight and an endpoint, and forward with YARP's
/// IHttpForwarder under the route's timeout and retry policy. Each request reads the config once.
/// </summary>
public sealed partial class OutboundHandler(
    XdsProxyConfigProvider provider,
    IHttpForwarder forwarder,
    UpstreamInvoker upstream,
    EndpointPicker picker,
    FaultInjector faults,
    RequestMirror mirror,
    TimeProvider time,
    ILogger<OutboundHandler> logger)
{
    // Envoy's stream_idle_timeout: guards streams when the route has no timeout.
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);

    public async Task HandleAsync(HttpContext context)
    {
        var snapshot = provider.Current.Snapshot;
        var authority = context.Request.Host.Value?.ToLowerInvariant() ?? "";
        var original = context.Features.Get<Interception.OriginalDestination>();
        var selection = OutboundRouter.Select(snapshot, context.Request, authority, (uint?)original?.EndPoint.Port);
        if (selection.VirtualHost is null && original is not null)
        {
            // Istio's allow_any virtual host: an intercepted request for no known host goes where the app sent it.
            await PassthroughAsync(context, original);
            return;
        }
        // The fault filter sits before the router in Envoy's chain: it delays or answers first.
        if (selection.Route?.Fault is { } fault && await faults.ApplyAsync(context, fault)) return;
        switch (selection.Route?.Action)
        {
            case null:
                // Envoy answers 404 with response flag NR when no route matches.
                await LocalReply(context, StatusCodes.Status404NotFound, "NR", $"no route for {authority}{context.Request.Path}");
                return;
            case DirectResponseAction direct:
                context.Response.StatusCode = direct.Status;
                if (direct.Body is not null) await context.Response.WriteAsync(direct.Body, context.RequestAborted);
                return;
            case RedirectAction redirect:
                context.Response.StatusCode = redirect.Status;
                context.Response.Headers.Location = Location(context.Request, authority, redirect);
                return;
            case ForwardAction forward:
                await ForwardAsync(context, snapshot, selection.Route, forward, authority);
                return;
        }
    }

    private async Task PassthroughAsync(HttpContext context, Interception.OriginalDestination original)
    {
        RequestObservation.Of(context)?.OnUpstream(Interception.TcpConnectionHandler.PassthroughCluster, original.EndPoint.ToString());
        var config = new ForwarderRequestConfig
        {
            ActivityTimeout = IdleTimeout,
            Version = HttpProtocol.IsHttp2(context.Request.Protocol) ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        await forwarder.SendAsync(context, $"http://{original.EndPoint}", upstream.Invoker, config, PreserveHostTransformer.Instance, context.RequestAborted);
    }

    private async Task ForwardAsync(HttpContext context, ProxySnapshot snapshot, RouteEntry route, ForwardAction action, string authority)
    {
        var target = action.Clusters.Length == 1 ? action.Clusters[0] : action.Pick((uint)Random.Shared.NextInt64(action.TotalWeight));
        if (!snapshot.Clusters.TryGetValue(target.Cluster, out var cluster))
        {
            await LocalReply(context, StatusCodes.Status503ServiceUnavailable, "NC", $"cluster {target.Cluster} not found");
            return;
        }
        var endpoints = snapshot.EndpointsOf(cluster);
        List<string>? setCookies = null;
        var hash = action.HashPolicies.IsEmpty ? null : RequestHasher.Hash(action.HashPolicies, context, setCookies = []);
        var upgrade = Upgrade.IsWebSocket(context);
        // An upgraded stream is a live conversation: a copy would be a second, unrelated session.
        if (!action.Mirrors.IsEmpty && !upgrade) await mirror.StartAsync(context, snapshot, route, action, authority, hash);
        var retry = upgrade ? null : action.Retry;
        // A consumed request body cannot be replayed, so only bodiless requests are retried.
        var replayable = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true;
        var attempts = 1 + (replayable && retry is not null ? retry.NumRetries : 0);

        using var timeout = action.Timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, timeout.Token);
        var config = new ForwarderRequestConfig
        {
            // The activity timeout is YARP's idle timeout, also over an upgraded stream's two directions.
            ActivityTimeout = retry?.PerTryTimeout ?? IdleTimeout,
            Version = cluster.Protocol == UpstreamProtocol.Http2 ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        if (!picker.TryAdmit(cluster, out var admission))
        {
            // Envoy's circuit breaker overflow: answered at once, the upstream never sees it.
            LogOverflow(cluster.Name);
            await LocalReply(context, StatusCodes.Status503ServiceUnavailable, "UO", "upstream connect error or disconnect/reset before headers. reset reason: overflow");
            return;
        }
        using var _ = admission;
        var held = new HeldRetry();
        try
        {
            await AttemptsAsync(context, route, action, target, cluster, endpoints, hash, setCookies, authority, attempts, config, timeout, linked.Token, held);
        }
        finally
        {
            held.Release();
        }
    }

    private async Task AttemptsAsync(HttpContext context, RouteEntry route, ForwardAction action, WeightedTarget target, ClusterSnapshot cluster,
        System.Collections.Immutable.ImmutableArray<EndpointSnapshot> endpoints, ulong? hash, List<string>? setCookies, string authority, int attempts,
        ForwarderRequestConfig config, CancellationTokenSource timeout, CancellationToken token, HeldRetry held)
    {
        var retry = action.Retry;
        EndpointSnapshot? previous = null;
        for (var attempt = 1; ; attempt++)
        {
            var endpoint = picker.Pick(cluster, endpoints, hash, previous);
            RequestObservation.Of(context)?.OnAttempt(route, cluster.Name, endpoint, attempt);
            if (endpoint is null)
            {
                await LocalReply(context, StatusCodes.Status503ServiceUnavailable, "UH", $"no healthy upstream in {cluster.Name}");
                return;
            }
            var last = attempt >= attempts;
            var retryTaken = false;
            // A response is held back for a retry only when max_retries leaves room for one; else it goes to the caller.
            var transformer = new RouteTransformer(route, action, target, authority,
                status => !last && retry!.RetriesStatus(status) && (retryTaken = TakeRetry(cluster, held)))
            {
                SetCookies = setCookies,
                // Envoy's route timeout ends with the upgrade: the stream then lives until a side closes or it idles.
                OnUpgraded = () => timeout.CancelAfter(Timeout.InfiniteTimeSpan),
            };
            ForwarderError error;
            using (picker.Begin(cluster.Name, endpoint))
                error = await forwarder.SendAsync(context, $"http://{Host(endpoint)}", upstream.Invoker, config, transformer, token);
            if (!retryTaken && attempt > 1) held.Release();

            if (transformer.UpstreamStatus is { } upstreamStatus) picker.Report(cluster, endpoint, upstreamStatus);
            else if (error is ForwarderError.Request or ForwarderError.RequestTimedOut || timeout.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
                picker.Report(cluster, endpoint, StatusCodes.Status503ServiceUnavailable);

            if (timeout.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                LogTimeout(cluster.Name, action.Timeout!.Value.TotalMilliseconds);
                if (!context.Response.HasStarted) await LocalReply(context, StatusCodes.Status504GatewayTimeout, "UT", "upstream request timeout", reset: true);
                return;
            }
            var retriable = transformer.HeldBack
                || (error is ForwarderError.Request or ForwarderError.RequestTimedOut && !last && !context.Response.HasStarted
                    && (error == ForwarderError.RequestTimedOut ? retry!.On5xx || retry.OnGatewayError || retry.OnReset
                        : IsConnectFailure(context) ? retry!.OnConnectFailure : retry!.OnReset)
                    && TakeRetry(cluster, held));
            if (!retriable) return;
            LogRetry(cluster.Name, attempt, endpoint.Address, endpoint.Port);
            Reset(context);
            // Envoy's jittered exponential back-off between attempts, inside the route timeout.
            try
            {
                await Task.Delay(retry!.BackOff(attempt, Random.Shared.NextDouble()), time, token);
            }
            catch (OperationCanceledException)
            {
                if (context.RequestAborted.IsCancellationRequested) return;
                LogTimeout(cluster.Name, action.Timeout!.Value.TotalMilliseconds);
                await LocalReply(context, StatusCodes.Status504GatewayTimeout, "UT", "upstream request timeout", reset: true);
                return;
            }
            previous = endpoint;
        }
    }

    // A retry holds a max_retries slot until its attempt ends; the previous retry's slot is given back first.
    private bool TakeRetry(ClusterSnapshot cluster, HeldRetry held)
    {
        held.Release();
        if (picker.TryRetry(cluster, out held.Slot)) return true;
        LogRetryOverflow(cluster.Name);
        return false;
    }

    /// <summary>The max_retries slot of the retry in progress, if any (one per request).</summary>
    private sealed class HeldRetry
    {
        public AdmissionLease Slot;

        public void Release()
        {
            Slot.Dispose();
            Slot = default;
        }
    }

    /// <summary>A failure to connect (refused, unreachable, connect timeout) as opposed to a reset of an established connection.</summary>
    private static bool IsConnectFailure(HttpContext context)
    {
        for (var e = context.Features.Get<IForwarderErrorFeature>()?.Exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }) return true;
            if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused or System.Net.Sockets.SocketError.HostUnreachable or System.Net.Sockets.SocketError.NetworkUnreachable or System.Net.Sockets.SocketError.TimedOut })
                return true;
        }
        return false;
    }

    private static string Host(EndpointSnapshot endpoint) =>
        endpoint.Address.Contains(':') ? $"[{endpoint.Address}]:{endpoint.Port}" : $"{endpoint.Address}:{endpoint.Port}";

    // A held-back or failed attempt wrote nothing to the caller; clear what the forwarder set on the response.
    private static void Reset(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.Headers.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);
    }

    private static async Task LocalReply(HttpContext context, int status, string flag, string body, bool reset = false)
    {
        if (reset) Reset(context);
        context.Response.StatusCode = status;
        context.Response.Headers["x-mesh-response-flags"] = flag;
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    private static string Location(HttpRequest request, string authority, RedirectAction redirect)
    {
        var scheme = redirect.Scheme ?? request.Scheme;
        var host = redirect.Host ?? StripPort(authority);
        var port = redirect.Port is { } p ? $":{p}" : redirect.Host is null && authority.Contains(':') ? authority[authority.LastIndexOf(':')..] : "";
        var path = redirect.Path ?? request.Path.Value;
        return $"{scheme}://{host}{port}{path}{request.QueryString.Value}";
    }

    private static string StripPort(string authority) =>
        OutboundRouter.Port(authority) is var port && authority.EndsWith($":{port}", StringComparison.Ordinal) ? authority[..authority.LastIndexOf(':')] : authority;
}
