using System.Collections.Immutable;
using System.Globalization;
using Mesh.Api.Xds;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Push;

/// <summary>
/// The sidecar resources that span hosts: per service port, the route table "&lt;port&gt;" of every
/// host's virtual host on that port (Istio's names), written from the virtual hosts' bytes by
/// <see cref="RouteTableComposer"/>, and the outbound listener "0.0.0.0_&lt;port&gt;" that uses it.
/// The listener is not built here: every host with an HTTP port emits the same one among its
/// fragments; this picks one so it can be added after all hosts' resources, where it wins over
/// another host's TCP listener of the same name (a TCP port without addresses), as in Istio.
/// An instance remembers what it composed per port, keyed by the virtual hosts' names and
/// versions, so a flush where no virtual host of a port changed (every endpoint-only change)
/// composes nothing for that port. Not thread-safe: one owner (the hub, or one scoped view) at a time.
/// </summary>
public sealed class SidecarResources(ImmutableDictionary<uint, ComposedRoutes>? seed = null)
{
    // Istio's listener name for a port's outbound HTTP, as the grains' ListenerGenerator names it.
    private const string AnyAddressPrefix = "0.0.0.0_";

    /// <summary>The route tables of the last composition, by port (immutable: a snapshot keeps them to seed its scoped views).</summary>
    public ImmutableDictionary<uint, ComposedRoutes> Composed { get; private set; } = seed ?? ImmutableDictionary<uint, ComposedRoutes>.Empty;

    /// <summary>Per port the route table, then the outbound listener when a host supplied one.</summary>
    public IReadOnlyList<XdsResource> Compose(IEnumerable<ServiceFragments> hosts)
    {
        var virtualHosts = new SortedDictionary<uint, List<XdsResource>>();
        var listeners = new Dictionary<uint, XdsResource>();
        foreach (var host in hosts) Collect(host, virtualHosts, listeners);

        var composed = ImmutableDictionary.CreateBuilder<uint, ComposedRoutes>();
        var result = new List<XdsResource>(virtualHosts.Count * 2);
        foreach (var (port, group) in virtualHosts)
        {
            group.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            var key = string.Join('\n', group.Select(r => r.Name + "@" + r.Version));
            if (!Composed.TryGetValue(port, out var entry) || entry.Key != key)
            {
                var name = port.ToString(CultureInfo.InvariantCulture);
                var body = RouteTableComposer.Compose(name, group.Select(r => r.Body));
                entry = new ComposedRoutes(key, new XdsResource(ResourceTypes.RouteConfiguration, name, ContentVersion.Of(body), body));
            }
            composed[port] = entry;
            result.Add(entry.Routes);
            if (listeners.TryGetValue(port, out var listener)) result.Add(listener);
        }
        Composed = composed.ToImmutable();
        return result;
    }

    /// <summary>The host's virtual hosts by port, and its outbound listener for each of those ports.</summary>
    private static void Collect(ServiceFragments host, SortedDictionary<uint, List<XdsResource>> virtualHosts, Dictionary<uint, XdsResource> listeners)
    {
        List<uint>? ports = null;
        Dictionary<string, XdsResource>? own = null;
        foreach (var resource in host.Resources)
        {
            if (resource.TypeUrl == ResourceTypes.VirtualHost && PortOf(resource.Name) is { } port)
            {
                if (!virtualHosts.TryGetValue(port, out var group)) virtualHosts[port] = group = [];
                group.Add(resource);
                (ports ??= []).Add(port);
            }
            // The last of a name: a host lists its HTTP outbound listener after any TCP one of the same port.
            else if (resource.TypeUrl == ResourceTypes.Listener && resource.Name.StartsWith(AnyAddressPrefix, StringComparison.Ordinal))
                (own ??= new(StringComparer.Ordinal))[resource.Name] = resource;
        }
        if (ports is null || own is null) return;
        foreach (var port in ports)
            if (own.TryGetValue(AnyAddressPrefix + port.ToString(CultureInfo.InvariantCulture), out var listener))
                listeners[port] = listener;
    }

    private static uint? PortOf(string virtualHostName)
    {
        var colon = virtualHostName.LastIndexOf(':');
        return colon > 0 && uint.TryParse(virtualHostName.AsSpan(colon + 1), out var port) ? port : null;
    }
}

/// <summary>A composed route table and the names and versions of the virtual hosts it was composed from.</summary>
public sealed record ComposedRoutes(string Key, XdsResource Routes);
