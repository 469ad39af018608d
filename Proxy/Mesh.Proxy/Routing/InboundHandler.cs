using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Routing;

/// <summary>
/// The inbound listener: everything arriving for this workload goes to the local app port (with
/// transparent interception, the port the peer dialed), authority preserved (Istio's inbound passthrough before any inbound policy exists).
/// </summary>
public sealed class InboundHandler(IHttpForwarder forwarder, UpstreamInvoker upstream, int appPort)
{
    // Cleartext to the app has no ALPN, so "HTTP/2 or lower" would fall back to HTTP/1.1 and an
    // HTTP/2-only app (gRPC) would refuse it: speak to the app in the protocol the caller used.
    private static readonly ForwarderRequestConfig Http2 = new()
    {
        ActivityTimeout = TimeSpan.FromMinutes(5),
        Version = System.Net.HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static readonly ForwarderRequestConfig Http11 = new()
    {
        ActivityTimeout = TimeSpan.FromMinutes(5),
        Version = System.Net.HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public async Task HandleAsync(HttpContext context)
    {
        // Transparent interception: the port the peer dialed on this workload's address (Istio's inbound passthrough).
        var port = context.Features.Get<Interception.OriginalDestination>()?.EndPoint.Port ?? appPort;
        if (port == 0)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("no --app-port configured", context.RequestAborted);
            return;
        }
        var config = HttpProtocol.IsHttp2(context.Request.Protocol) ? Http2 : Http11;
        await forwarder.SendAsync(context, $"http://127.0.0.1:{port}", upstream.Invoker, config, PreserveHostTransformer.Instance, context.RequestAborted);
    }
}
