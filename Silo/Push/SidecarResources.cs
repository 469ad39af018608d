using System.Collections.Concurrent;
using Envoy.Config.Route.V3;
using Mesh.Grains.Abstractions;
using Mesh.Api.Xds;
using Mesh.Grains.Generators;

namespace Mesh.Silo.Push;

/// <summary>
/// The sidecar resources that span hosts: per service port, a route table "&lt;port&gt;" of every
/// host's virtual host on that port, and the outbound listener "0.0.0.0_&lt;port&gt;" that uses it.
/// An instance remembers what it composed per port, keyed by the virtual hosts' names and
/// versions, so composing a port whose virtual hosts did not change (a proxy's scoped view that
/// sees them all) re-parses and re-serializes nothing. Safe to share between threads.
/// </summary>
public sealed class SidecarResources
{
    private readonly ConcurrentDictionary<uint, (string Key, XdsResource[] Composed)> _composed = new();

    /// <summary>Every port's resources for these hosts.</summary>
    public IEnumerable<XdsResource> Compose(IEnumerable<ServiceFragments> hosts) =>
        hosts.SelectMany(h => h.Resources)
            .Where(r => r.TypeUrl == ResourceTypes.VirtualHost)
            .GroupBy(r => PortOf(r.Name))
            .Where(g => g.Key is not null)
            .OrderBy(g => g.Key)
            .SelectMany(g => ComposePort(g.Key!.Value, g));

    /// <summary>The route table and listener of one port, from its virtual hosts.</summary>
    public System.Collections.Immutable.ImmutableArray<XdsResource> ComposePort(uint port, IEnumerable<XdsResource> virtualHosts)
    {
        var ordered = virtualHosts.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        if (ordered.Count == 0) return [];
        var key = string.Join('\n', ordered.Select(r => r.Name + "@" + r.Version));
        if (_composed.TryGetValue(port, out var entry) && entry.Key == key) return [.. entry.Composed];
        var routeName = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var vhosts = ordered.Select(r => VirtualHost.Parser.ParseFrom(r.Body));
        var routes = XdsResource.Pack(ResourceTypes.RouteConfiguration, routeName, RouteGenerator.BuildSidecarRouteConfiguration(port, vhosts));
        var listener = ListenerGenerator.BuildSidecarOutboundListener(port, routeName);
        XdsResource[] composed = [routes, XdsResource.Pack(ResourceTypes.Listener, listener.Name, listener)];
        _composed[port] = (key, composed);
        return [.. composed];
    }

    /// <summary>The port of a virtual host named "&lt;host&gt;:&lt;port&gt;".</summary>
    public static uint? PortOf(string virtualHostName)
    {
        var colon = virtualHostName.LastIndexOf(':');
        return colon > 0 && uint.TryParse(virtualHostName.AsSpan(colon + 1), out var port) ? port : null;
    }
}
