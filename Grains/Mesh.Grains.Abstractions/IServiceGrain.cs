using Mesh.Api.Model;

namespace Mesh.Grains.Abstractions;

/// <summary>
/// One grain per host. Merges what each registry shard says about the host with the config that
/// targets it, and derives the host's Envoy resources once per change.
/// </summary>
public interface IServiceGrain : IGrainWithStringKey
{
    /// <summary>Sets (or, with null, withdraws) this shard's definition of the service.</summary>
    Task UpdateServiceAsync(ShardKey shard, MeshService? service);

    /// <summary>Replaces this shard's endpoints for the service.</summary>
    Task UpdateEndpointsAsync(ShardKey shard, IReadOnlyList<MeshEndpoint> endpoints);

    /// <summary>Sets this shard's definition of the service (null withdraws it) and its endpoints, in one call.</summary>
    Task UpdateShardAsync(ShardKey shard, MeshService? service, IReadOnlyList<MeshEndpoint> endpoints);

    /// <summary>Replaces the DestinationRule and VirtualServices that target the host.</summary>
    Task UpdateConfigAsync(DestinationRule? rule, IReadOnlyList<VirtualService> virtualServices);

    /// <summary>
    /// Replaces everything the grain holds (each shard's service and endpoints, and the config): the
    /// registry owner's word for a host it knows nothing or only part of, after it took over.
    /// </summary>
    Task ReplaceStateAsync(HostState state);

    /// <summary>The derived fragments; null while a new activation has not recovered its state yet.</summary>
    Task<ServiceFragments?> GetFragmentsAsync();

    /// <summary>Subscribes a silo's hub; it is sent the current fragments at once and every change after.</summary>
    Task SubscribeAsync(IPushHubObserver hub);

    Task UnsubscribeAsync(IPushHubObserver hub);
}
