using Mesh.Api.Model;

namespace Mesh.Registries.Updates;

/// <summary>
/// The one seam between registries and the mesh (Istio's XDSUpdater): every source reports what
/// it knows through these calls, per shard, and never sees xDS.
/// </summary>
public interface IMeshUpdater
{
    /// <summary>Shard's definition of a host changed; null withdraws the shard's definition.</summary>
    Task ServiceChangedAsync(ShardKey shard, string host, MeshService? service);

    /// <summary>Shard's endpoints of a host changed (the full list for that shard; empty removes them).</summary>
    Task EndpointsChangedAsync(ShardKey shard, string host, IReadOnlyList<MeshEndpoint> endpoints);

    /// <summary>
    /// Both the shard's definition of a host and its endpoints changed (a host appearing or going
    /// away, a relist): one call, so the host's grain takes both at once and derives once.
    /// </summary>
    async Task HostChangedAsync(ShardKey shard, string host, MeshService? service, IReadOnlyList<MeshEndpoint> endpoints)
    {
        // For updaters that only know the two separate calls: the service first, so endpoints have
        // ports to land on; a withdrawn service last, so the host never serves without this shard's part.
        if (service is not null) await ServiceChangedAsync(shard, host, service);
        await EndpointsChangedAsync(shard, host, endpoints);
        if (service is null) await ServiceChangedAsync(shard, host, null);
    }

    /// <summary>The valid config changed; routing and policy (VirtualService, DestinationRule) go to the hosts they target.</summary>
    Task ConfigChangedAsync(MeshConfig config);
}
