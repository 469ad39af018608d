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

    /// <summary>The valid config changed; routing and policy (VirtualService, DestinationRule) go to the hosts they target.</summary>
    Task ConfigChangedAsync(MeshConfig config);
}
