using System.Net;

namespace Mesh.Proxy.Routing;

/// <summary>
/// The one HTTP client every cluster is forwarded through. Its connection pools are per endpoint,
/// so a config swap leaves every still-valid idle connection in place. Settings follow YARP's
/// ForwarderHttpClientFactory: no proxy, no redirects, no decompression, no cookies.
/// </summary>
public sealed class UpstreamInvoker : IDisposable
{
    public UpstreamInvoker()
    {
        Invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            // No propagator: trace headers pass through exactly as the caller sent them (see
            // Observability/TraceHeaders). .NET's would rewrite traceparent to a span of the hosting
            // Activity, which exists whenever logging is on, a span no tracing backend receives.
            ActivityHeadersPropagator = null,
            // Envoy's default connect_timeout; per-cluster values come with per-cluster pools.
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        }, disposeHandler: true);
    }

    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();
}
