using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Routing;

/// <summary>YARP's default transform with the caller's authority kept, as Envoy forwards :authority unchanged.</summary>
internal sealed class PreserveHostTransformer : HttpTransformer
{
    public static PreserveHostTransformer Instance { get; } = new();

    public override async ValueTask TransformRequestAsync(HttpContext context, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(context, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.Headers.Host = context.Request.Host.Value;
    }
}
