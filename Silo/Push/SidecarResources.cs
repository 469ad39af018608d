using System.Collections.Immutable;
using System.Globalization;
using Mesh.Api.Xds;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Push;

/// <summary>
/// The sidecar resource that spans hosts: per service port, the route table "&lt;port&gt;" of every
/// host's virtual host on that port (Istio's name), written from the virtual hosts' bytes by
/// <see cref="RouteTableComposer"/>. (The outbound listener "0.0.0.0_&lt;port&gt;" that uses it is
/// emitted by every host with an HTTP port on it; <see cref="SnapshotUpdate"/> serves one.)
/// An instance remembers what it composed per port, keyed by the virtual hosts' names and
/// versions, so composing a port whose virtual hosts did not change (a scoped view that sees them
/// all, seeded with the full snapshot's tables) composes nothing. Safe to share between threads.
/// </summary>
public sealed class SidecarResources(ImmutableDictionary<uint, ComposedRoutes>? seed = null)
{
    /// <summary>Istio's listener name prefix for a port's outbound listener, as the grains' ListenerGenerator names it.</summary>
    public const string AnyAddressPrefix = "0.0.0.0_";

    private ImmutableDictionary<uint, ComposedRoutes> _composed = seed ?? ImmutableDictionary<uint, ComposedRoutes>.Empty;

    /// <summary>Every port's route table for these hosts, in port order.</summary>
    public IReadOnlyList<XdsResource> Compose(IEnumerable<ServiceFragments> hosts) =>
        [.. hosts.SelectMany(h => h.Resources)
            .Where(r => r.TypeUrl == ResourceTypes.VirtualHost && PortOf(r.Name) is not null)
            .GroupBy(r => PortOf(r.Name)!.Value)
            .OrderBy(g => g.Key)
            .Select(g => ComposePort(g.Key, g).Routes)];

    /// <summary>One port's route table, from its virtual hosts (any order; they are taken in name order).</summary>
    public ComposedRoutes ComposePort(uint port, IEnumerable<XdsResource> virtualHosts)
    {
        var group = virtualHosts.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        var key = string.Join('\n', group.Select(r => r.Name + "@" + r.Version));
        if (_composed.TryGetValue(port, out var entry) && entry.Key == key) return entry;
        var name = port.ToString(CultureInfo.InvariantCulture);
        var body = RouteTableComposer.Compose(name, group.Select(r => r.Body));
        entry = new ComposedRoutes(key, new XdsResource(ResourceTypes.RouteConfiguration, name, ContentVersion.Of(body), body));
        ImmutableInterlocked.AddOrUpdate(ref _composed, port, entry, (_, _) => entry);
        return entry;
    }

    /// <summary>The port of a virtual host named "&lt;host&gt;:&lt;port&gt;".</summary>
    public static uint? PortOf(string virtualHostName)
    {
        var colon = virtualHostName.LastIndexOf(':');
        return colon > 0 && uint.TryParse(virtualHostName.AsSpan(colon + 1), out var port) ? port : null;
    }

    /// <summary>The port of an outbound listener named "0.0.0.0_&lt;port&gt;"; null for any other listener.</summary>
    public static uint? ListenerPort(string listenerName) =>
        listenerName.StartsWith(AnyAddressPrefix, StringComparison.Ordinal)
        && uint.TryParse(listenerName.AsSpan(AnyAddressPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? port : null;
}

/// <summary>A composed route table and the names and versions of the virtual hosts it was composed from.</summary>
public sealed record ComposedRoutes(string Key, XdsResource Routes);
