namespace Mesh.Api.Model;

/// <summary>
/// networking.istio.io WorkloadGroup: the template VMs of one kind join the mesh with. A proxy that
/// connects with the group's bootstrap gets a WorkloadEntry made from the template (auto-registration),
/// and the group's probe decides whether that entry's endpoint is served.
/// </summary>
public sealed record WorkloadGroup(ConfigMeta Meta, WorkloadGroupSpec Spec) : ConfigObject(Meta);

/// <param name="Metadata">Labels and annotations copied onto every WorkloadEntry made from the group.</param>
/// <param name="Template">The entry's spec; its address comes from the connecting proxy, so the template has none.</param>
public sealed record WorkloadGroupSpec(WorkloadGroupMetadata Metadata, WorkloadEntrySpec Template, ReadinessProbe? Probe);

public sealed record WorkloadGroupMetadata(IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations)
{
    public static WorkloadGroupMetadata Empty { get; } = new(new Dictionary<string, string>(), new Dictionary<string, string>());
}

/// <summary>Kubernetes' readiness probe fields, as Istio's WorkloadGroup.probe carries them: exactly one of the three checks.</summary>
public sealed record ReadinessProbe(
    int InitialDelaySeconds,
    int TimeoutSeconds,
    int PeriodSeconds,
    int SuccessThreshold,
    int FailureThreshold,
    HttpProbe? HttpGet,
    TcpProbe? TcpSocket,
    ExecProbe? Exec);

/// <param name="Host">Absent: the workload's own address (localhost on the VM).</param>
public sealed record HttpProbe(string Path, uint Port, string? Host, string Scheme, IReadOnlyList<KeyValuePair<string, string>> Headers);

public sealed record TcpProbe(string? Host, uint Port);

public sealed record ExecProbe(IReadOnlyList<string> Command);
