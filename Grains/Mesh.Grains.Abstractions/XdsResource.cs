using Mesh.Api.Model;
using Google.Protobuf;
namespace Mesh.Grains.Abstractions;

/// <summary>
/// One serialized Envoy resource as it goes on the wire: serialized once where it is derived,
/// then copied into every response that carries it. Version is a hash of Body.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record XdsResource(
    [property: Id(0)] string TypeUrl,
    [property: Id(1)] string Name,
    [property: Id(2)] string Version,
    [property: Id(3)] byte[] Body)
{
    /// <summary>Serializes a resource once, versioned by its content, so equal resources get equal versions on every silo.</summary>
    public static XdsResource Pack(string typeUrl, string name, IMessage message)
    {
        var body = message.ToByteArray();
        return new XdsResource(typeUrl, name, ContentVersion.Of(body), body);
    }
}

/// <summary>
/// Everything one service contributes to xDS, derived once per change by its ServiceGrain.
/// Removed marks a host that no shard defines any more: subscribers drop its resources.
/// Namespace and ExportTo decide which proxies may see the host (exportTo, Sidecar egress).
/// Localities, by ClusterLoadAssignment name, are the assignments served per proxy locality.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ServiceFragments(
    [property: Id(0)] string Host,
    [property: Id(1)] string Version,
    [property: Id(2)] IReadOnlyList<XdsResource> Resources,
    [property: Id(3)] bool Removed,
    [property: Id(4)] DateTimeOffset ChangedAt,
    [property: Id(5)] string Namespace = "",
    [property: Id(6)] IReadOnlyList<string>? ExportTo = null,
    [property: Id(7)] IReadOnlyList<IReadOnlyDictionary<string, string>>? Selectors = null,
    [property: Id(8)] IReadOnlyDictionary<int, IReadOnlyList<XdsResource>>? Variants = null,
    [property: Id(9)] IReadOnlyDictionary<string, LocalityPolicy>? Localities = null)
{
    /// <summary>
    /// The fragments as a proxy with these labels sees them. VirtualService matches with
    /// sourceLabels make routes depend on the proxy: Selectors are the distinct sourceLabels,
    /// and Variants, keyed by the bit mask of selectors a proxy satisfies, replace the route
    /// resources of the same name. A proxy that satisfies none sees Resources as they are.
    /// </summary>
    public ServiceFragments ForLabels(IReadOnlyDictionary<string, string> labels)
    {
        if (Selectors is not { Count: > 0 } selectors || Variants is null) return this;
        var mask = 0;
        for (var i = 0; i < selectors.Count; i++)
            if (LabelSelector.Matches(selectors[i], labels)) mask |= 1 << i;
        if (mask == 0 || !Variants.TryGetValue(mask, out var variant)) return this;
        var replaced = variant.Select(r => (r.TypeUrl, r.Name)).ToHashSet();
        return this with { Resources = [.. Resources.Where(r => !replaced.Contains((r.TypeUrl, r.Name))), .. variant], Selectors = null, Variants = null };
    }
}
