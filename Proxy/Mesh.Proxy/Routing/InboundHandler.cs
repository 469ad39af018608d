using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Routing;

/// <summary>
/// The inbound listener: everything arriving for this workload goes to the local app port,
/// authority preserved (Istio's inbound passthrough before any inbound policy exists).
/// </summary>
public sealed class InboundHandler(IHttpForwarder forwarder, UpstreamInvoker upstream, int appPort)
{
    private static readonly ForwarderRequestConfig Config = new() { ActivityTimeout = TimeSpan.FromMinutes(5) };

    public async Task HandleAsync(HttpContext context)
    {
        if (appPort == 0)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("no --app-port configured", context.RequestAborted);
            return;
        }
        await forwarder.SendAsync(context, $"http://127.0.0.1:{appPort}", upstream.Invoker, Config, PreserveHost.Instance, context.RequestAborted);
    }

    private sealed class PreserveHost : HttpTransformer
    {
        public static PreserveHost Instance { get; } = new();

        public override async ValueTask TransformRequestAsync(HttpContext context, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(context, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.Headers.Host = context.Request.Host.Value;
        }
    }
}
