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
    [property: Id(3)] byte[] Body);

/// <summary>
/// Everything one service contributes to xDS, derived once per change by its ServiceGrain.
/// Removed marks a host that no shard defines any more: subscribers drop its resources.
/// Namespace and ExportTo decide which proxies may see the host (exportTo, Sidecar egress).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ServiceFragments(
    [property: Id(0)] string Host,
    [property: Id(1)] string Version,
    [property: Id(2)] IReadOnlyList<XdsResource> Resources,
    [property: Id(3)] bool Removed,
    [property: Id(4)] DateTimeOffset ChangedAt,
    [property: Id(5)] string Namespace = "",
    [property: Id(6)] IReadOnlyList<string>? ExportTo = null);
