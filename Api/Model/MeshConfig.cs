namespace Mesh.Api.Model;

/// <summary>An immutable, validated set of config objects: what the control plane serves from.</summary>
public sealed record MeshConfig(
    IReadOnlyList<VirtualService> VirtualServices,
    IReadOnlyList<DestinationRule> DestinationRules,
    IReadOnlyList<ServiceEntry> ServiceEntries,
    IReadOnlyList<Sidecar> Sidecars,
    IReadOnlyList<WorkloadEntry> WorkloadEntries,
    IReadOnlyList<WorkloadGroup> WorkloadGroups)
{
    public static MeshConfig Empty { get; } = new([], [], [], [], [], []);

    public IEnumerable<ConfigObject> All =>
        VirtualServices.Cast<ConfigObject>().Concat(DestinationRules).Concat(ServiceEntries).Concat(Sidecars).Concat(WorkloadEntries).Concat(WorkloadGroups);

    public static MeshConfig From(IEnumerable<ConfigObject> objects)
    {
        var list = objects.ToList();
        return new(
            list.OfType<VirtualService>().ToList(),
            list.OfType<DestinationRule>().ToList(),
            list.OfType<ServiceEntry>().ToList(),
            list.OfType<Sidecar>().ToList(),
            list.OfType<WorkloadEntry>().ToList(),
            list.OfType<WorkloadGroup>().ToList());
    }
}
