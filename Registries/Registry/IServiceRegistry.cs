using Mesh.Api.Model;

namespace Mesh.Registries.Registry;

/// <summary>
/// A source of services and endpoints (Istio's ServiceDiscovery controllers): Kubernetes, Consul,
/// VMs, the YAML directory. Each runs as a hosted service, reports through its own
/// <see cref="Updates.ShardPublisher"/> into the one <see cref="Updates.IMeshUpdater"/>, and says
/// how it is doing here. None sees xDS.
/// </summary>
public interface IServiceRegistry
{
    ShardKey Shard { get; }

    RegistryStatus Status { get; }
}
