namespace Mesh.Api.Model;

/// <summary>networking.istio.io WorkloadEntry: one non-Kubernetes workload (a VM, a bare process).</summary>
public sealed record WorkloadEntry(ConfigMeta Meta, WorkloadEntrySpec Spec) : ConfigObject(Meta)
{
    /// <summary>
    /// The entry's Healthy status condition (Istio's status.conditions[type=Healthy]), written by the
    /// control plane from the workload's readiness probe; null when the entry has none (then it is healthy).
    /// Not in the spec: ServiceEntry endpoints have no status.
    /// </summary>
    public HealthCondition? Health { get; init; }
}

/// <summary>One Healthy condition: status "True" or "False", when it was last probed, and why it failed.</summary>
public sealed record HealthCondition(bool Healthy, DateTimeOffset? LastProbeTime, string? Message);

/// <summary>
/// A workload's address and attributes. Also the element type of ServiceEntry.endpoints.
/// Ports maps a service port name to the workload's port for it.
/// </summary>
public sealed record WorkloadEntrySpec(
    string Address,
    IReadOnlyDictionary<string, uint> Ports,
    IReadOnlyDictionary<string, string> Labels,
    string? Network,
    string? Locality,
    uint? Weight,
    string? ServiceAccount);
