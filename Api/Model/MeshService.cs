namespace Mesh.Api.Model;

/// <summary>
/// A service as registries report it, whatever the source (ServiceEntry, Kubernetes, Consul, VM):
/// the host users address, its ports and where it lives. Endpoints are reported separately, per shard.
/// </summary>
public sealed record MeshService(
    string Host,
    string Namespace,
    IReadOnlyList<ServicePort> Ports,
    IReadOnlyDictionary<string, string> Labels,
    ServiceLocation Location,
    ServiceResolution Resolution,
    IReadOnlyList<string> ExportTo)
{
    /// <summary>
    /// The service's virtual IPs (ServiceEntry addresses, a Kubernetes ClusterIP): where an app's
    /// connection is headed when the sidecar intercepts it transparently, so TCP ports are told apart by them.
    /// </summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>
    /// A ServiceEntry with a workloadSelector: its endpoints are the workloads it selects, so with
    /// none selected it has none (a DNS entry does not fall back to resolving its own host).
    /// </summary>
    public bool SelectsWorkloads { get; init; }
}

public enum EndpointHealth { Healthy, Unhealthy, Draining }

/// <summary>
/// One workload instance behind a service. Ports maps a service port name to the workload's port
/// for it; a port not in the map is served on the service port's TargetPort, else its Number.
/// Locality is "region/zone/subzone" (any suffix may be missing).
/// </summary>
public sealed record MeshEndpoint(
    string Address,
    IReadOnlyDictionary<string, uint> Ports,
    IReadOnlyDictionary<string, string> Labels,
    string? Locality,
    uint Weight,
    EndpointHealth Health,
    string? ServiceAccount,
    string? Network)
{
    /// <summary>
    /// The workload's name for telemetry (Istio: a WorkloadEntry's name, a pod's controller); null when
    /// the registry has none, as for a ServiceEntry's inline endpoints.
    /// </summary>
    public string? WorkloadName { get; init; }
}

/// <summary>A registry partition: (registry kind, cluster id), so two sources never overwrite each other.</summary>
public sealed record ShardKey(string Registry, string Cluster)
{
    public override string ToString() => $"{Registry}/{Cluster}";
}
