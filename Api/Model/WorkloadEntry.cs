namespace Mesh.Api.Model;

/// <summary>networking.istio.io WorkloadEntry: one non-Kubernetes workload (a VM, a bare process).</summary>
public sealed record WorkloadEntry(ConfigMeta Meta, WorkloadEntrySpec Spec) : ConfigObject(Meta);

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
