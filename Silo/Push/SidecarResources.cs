using Envoy.Config.Route.V3;
using Mesh.Grains.Abstractions;
using Mesh.Api.Xds;
using Mesh.Grains.Generators;

namespace Mesh.Silo.Push;

/// <summary>
/// The sidecar resources that span hosts: per service port, a route table "&lt;port&gt;" of every
/// host's virtual host on that port, and the outbound listener "0.0.0.0_&lt;port&gt;" that uses it.
/// An instance remembers what it composed per port, keyed by the virtual hosts' names and
/// versions, so a flush where no virtual host of a port changed (every endpoint-only change)
/// re-parses and re-serializes nothing for that port. Not thread-safe: one owner (the hub) at a time.
/// </summary>
public sealed class SidecarResources
{
    private Dictionary<uint, (string Key, XdsResource Routes, XdsResource Listener)> _composed = [];

    public IEnumerable<XdsResource> Compose(IEnumerable<ServiceFragments> hosts)
    {
        var byPort = hosts.SelectMany(h => h.Resources)
            .Where(r => r.TypeUrl == ResourceTypes.VirtualHost)
            .GroupBy(r => PortOf(r.Name))
            .Where(g => g.Key is not null)
            .OrderBy(g => g.Key);
        var composed = new Dictionary<uint, (string Key, XdsResource Routes, XdsResource Listener)>();
        foreach (var group in byPort)
        {
            var port = group.Key!.Value;
            var key = string.Join('\n', group.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => r.Name + "@" + r.Version));
            if (!_composed.TryGetValue(port, out var entry) || entry.Key != key)
            {
                var routeName = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var vhosts = group.Select(r => VirtualHost.Parser.ParseFrom(r.Body));
                var routes = XdsResource.Pack(ResourceTypes.RouteConfiguration, routeName, RouteGenerator.BuildSidecarRouteConfiguration(port, vhosts));
                var listener = ListenerGenerator.BuildSidecarOutboundListener(port, routeName);
                entry = (key, routes, XdsResource.Pack(ResourceTypes.Listener, listener.Name, listener));
            }
            composed[port] = entry;
        }
        _composed = composed;
        return composed.Values.SelectMany(e => new[] { e.Routes, e.Listener });
    }

    private static uint? PortOf(string virtualHostName)
    {
        var colon = virtualHostName.LastIndexOf(':');
        return colon > 0 && uint.TryParse(virtualHostName.AsSpan(colon + 1), out var port) ? port : null;
    }
}
