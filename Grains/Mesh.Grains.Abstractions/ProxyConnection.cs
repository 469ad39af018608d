namespace Mesh.Grains.Abstractions;

/// <summary>A connection as the directory lists it: enough to find it by proxy id and pick the newest.</summary>
[GenerateSerializer, Immutable]
public sealed record ProxyConnection(
    [property: Id(0)] string ConnectionId,
    [property: Id(1)] string ProxyId,
    [property: Id(2)] string Silo,
    [property: Id(3)] DateTimeOffset ConnectedAt);

/// <summary>
/// What one stream sent its proxy, as the stream itself holds it: per type its state, and every
/// resource the proxy was last sent and still subscribes to, at the version sent (the proxy's
/// scoped view, its sourceLabels route variants, its locality's load assignments).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConnectionConfig(
    [property: Id(0)] ProxyIdentity Identity,
    [property: Id(1)] IReadOnlyList<TypeSyncStatus> Types,
    [property: Id(2)] IReadOnlyList<XdsResource> Resources);
