using System.Globalization;
using Mesh.Proxy.Configuration;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Routing;

/// <summary>Where a request goes: the virtual host and route Envoy would pick; null members when none matches.</summary>
public sealed record RouteSelection(RouteTable? Table, VirtualHostRoutes? VirtualHost, RouteEntry? Route);

/// <summary>
/// Envoy's route selection for explicit interception. The outbound port is shared by every
/// destination port, so the route table is the one of the authority's port (80 when it has none),
/// falling back to the first table, by port, with a virtual host for the authority.
/// </summary>
public static class OutboundRouter
{
    /// <param name="listenerPort">The port an intercepted connection was headed to (its listener's); null for explicit interception.</param>
    public static RouteSelection Select(ProxySnapshot snapshot, HttpRequest request, string authority, uint? listenerPort = null)
    {
        var table = snapshot.RouteTableForPort(listenerPort ?? Port(authority));
        var host = table?.FindVirtualHost(authority);
        // An intercepted connection belongs to its port's listener: Envoy never looks at other ports' tables.
        if (host is null && listenerPort is null)
        {
            foreach (var listener in snapshot.Listeners.Values.OrderBy(l => l.Port))
            {
                if (listener.RouteConfigName is null || !snapshot.RouteTables.TryGetValue(listener.RouteConfigName, out var candidate)) continue;
                if (candidate.FindVirtualHost(authority) is { } found)
                {
                    (table, host) = (candidate, found);
                    break;
                }
            }
        }
        if (host is null) return new RouteSelection(table, null, null);
        foreach (var route in host.Routes)
        {
            // Envoy takes the first route whose match holds, in order.
            if (route.Match.Matches(request, authority)) return new RouteSelection(table, host, route);
        }
        return new RouteSelection(table, host, null);
    }

    public static uint Port(string authority)
    {
        var colon = authority.LastIndexOf(':');
        // "[::1]" has colons but no port after the bracket.
        if (colon < 0 || authority.IndexOf(']', colon) >= 0) return 80;
        return uint.TryParse(authority.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : 80;
    }
}
