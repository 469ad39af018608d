using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Proxy.Routing;

/// <summary>
/// WebSocket upgrades as Envoy's upgrade_configs "websocket" sees them: an HTTP/1.1 Upgrade:
/// websocket request, or an HTTP/2 extended CONNECT with :protocol websocket (RFC 8441). YARP's
/// forwarder tunnels both and translates between them; the handlers only change policy for them.
/// </summary>
public static class Upgrade
{
    public static bool IsWebSocket(HttpContext context)
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
            && string.Equals(context.Request.Headers.Upgrade.ToString(), "websocket", StringComparison.OrdinalIgnoreCase))
            return true;
        return context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect
            && string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The upstream switched protocols: 101, or 200 to an HTTP/2 extended CONNECT.</summary>
    public static bool Accepted(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.SwitchingProtocols
        || response.StatusCode == HttpStatusCode.OK && response.RequestMessage is { } request
            && request.Method == HttpMethod.Connect && request.Headers.Protocol is not null;
}
