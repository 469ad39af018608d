namespace Mesh.Grains.Abstractions;

/// <summary>The last NACK a proxy sent for a type: what it rejected and why.</summary>
[GenerateSerializer, Immutable]
public sealed record NackInfo(
    [property: Id(0)] string TypeUrl,
    [property: Id(1)] string? Version,
    [property: Id(2)] string Message,
    [property: Id(3)] DateTimeOffset At);

/// <summary>Per type: what the proxy asked for and what it has.</summary>
[GenerateSerializer, Immutable]
public sealed record TypeSyncStatus(
    [property: Id(0)] string TypeUrl,
    [property: Id(1)] bool Wildcard,
    [property: Id(2)] IReadOnlyList<string> ResourceNames,
    [property: Id(3)] string? VersionSent,
    [property: Id(4)] string? NonceSent,
    [property: Id(5)] string? VersionAcked,
    [property: Id(6)] NackInfo? LastNack,
    [property: Id(7)] DateTimeOffset? SentAt);

/// <summary>
/// Who is on a stream, as its Node said on connect. ProxyId is the node id, which two proxies may
/// share; ConnectionId names this stream alone (Istio's connection id: the proxy id and a counter,
/// here with the silo's name so it is unique in the cluster).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ProxyIdentity(
    [property: Id(0)] string ProxyId,
    [property: Id(8)] string ConnectionId,
    [property: Id(1)] string Silo,
    [property: Id(2)] string? Namespace,
    [property: Id(3)] IReadOnlyDictionary<string, string> Metadata,
    [property: Id(4)] string Protocol,
    [property: Id(5)] DateTimeOffset ConnectedAt,
    [property: Id(6)] IReadOnlyDictionary<string, string>? Labels = null,
    [property: Id(7)] string? Locality = null)
{
    public ProxyConnection Connection => new(ConnectionId, ProxyId, Silo, ConnectedAt);
}

/// <summary>A connection's sync state, as `meshctl proxy-status` and /debug/syncz show it.</summary>
[GenerateSerializer, Immutable]
public sealed record ProxyStatus(
    [property: Id(0)] ProxyIdentity Identity,
    [property: Id(1)] bool Connected,
    [property: Id(2)] IReadOnlyList<TypeSyncStatus> Types);
