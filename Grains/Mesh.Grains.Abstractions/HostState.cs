using Mesh.Api.Model;

namespace Mesh.Grains.Abstractions;

/// <summary>
/// All the registries have published for one host: each shard's service and endpoints, and the
/// routing config targeting it. What a reactivated ServiceGrain is rebuilt from.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record HostState(
    [property: Id(0)] string Host,
    [property: Id(1)] IReadOnlyList<ShardService> Services,
    [property: Id(2)] IReadOnlyList<ShardEndpoints> Endpoints,
    [property: Id(3)] DestinationRule? Rule,
    [property: Id(4)] IReadOnlyList<VirtualService> VirtualServices)
{
    public static HostState Empty(string host) => new(host, [], [], null, []);
}

[GenerateSerializer, Immutable]
public sealed record ShardService([property: Id(0)] ShardKey Shard, [property: Id(1)] MeshService Service);

[GenerateSerializer, Immutable]
public sealed record ShardEndpoints([property: Id(0)] ShardKey Shard, [property: Id(1)] IReadOnlyList<MeshEndpoint> Endpoints);
