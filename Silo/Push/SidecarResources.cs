using Envoy.Config.Route.V3;
using Mesh.Grains.Abstractions;
using Mesh.Grains.Generators;
using Mesh.Grains.Services;

namespace Mesh.Silo.Push;

/// <summary>
/// The sidecar resources that span hosts: per service port, a route table "&lt;port&gt;" of every
/// host's virtual host on that port, and the outbound listener "0.0.0.0_&lt;port&gt;" that uses it.
/// </summary>
public static class SidecarResources
{
    public static IEnumerable<XdsResource> Compose(IEnumerable<ServiceFragments> hosts)
    {
        var byPort = hosts.SelectMany(h => h.Resources)
            .Where(r => r.TypeUrl == ResourceTypes.VirtualHost)
            .GroupBy(r => PortOf(r.Name))
            .Where(g => g.Key is not null)
            .OrderBy(g => g.Key);
        foreach (var port in byPort)
        {
            var routeName = port.Key!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var vhosts = port.Select(r => VirtualHost.Parser.ParseFrom(r.Body));
            yield return ServiceFragmentBuilder.Pack(ResourceTypes.RouteConfiguration, routeName, RouteGenerator.BuildSidecarRouteConfiguration(port.Key.Value, vhosts));
            var listener = ListenerGenerator.BuildSidecarOutboundListener(port.Key.Value, routeName);
            yield return ServiceFragmentBuilder.Pack(ResourceTypes.Listener, listener.Name, listener);
        }
    }

    private static uint? PortOf(string virtualHostName)
    {
        var colon = virtualHostName.LastIndexOf(':');
        return colon > 0 && uint.TryParse(virtualHostName.AsSpan(colon + 1), out var port) ? port : null;
    }
}
