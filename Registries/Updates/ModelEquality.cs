using Mesh.Api.Model;

namespace Mesh.Registries.Updates;

/// <summary>
/// Value equality for the registry model: records compare their list and dictionary members by
/// reference, and a relist builds new ones every time, so "did anything change" needs this.
/// </summary>
public static class ModelEquality
{
    public static bool Same(MeshService? a, MeshService? b)
    {
        if (a is null || b is null) return a is null && b is null;
        return a.Host == b.Host && a.Namespace == b.Namespace && a.Location == b.Location && a.Resolution == b.Resolution
            && a.Ports.SequenceEqual(b.Ports) && SameMap(a.Labels, b.Labels)
            && a.ExportTo.SequenceEqual(b.ExportTo) && a.Addresses.SequenceEqual(b.Addresses) && a.SelectsWorkloads == b.SelectsWorkloads;
    }

    public static bool Same(MeshEndpoint a, MeshEndpoint b) =>
        a.Address == b.Address && a.Locality == b.Locality && a.Weight == b.Weight && a.Health == b.Health
        && a.ServiceAccount == b.ServiceAccount && a.Network == b.Network && a.WorkloadName == b.WorkloadName
        && SameMap(a.Ports, b.Ports) && SameMap(a.Labels, b.Labels);

    public static bool Same(IReadOnlyList<MeshEndpoint> a, IReadOnlyList<MeshEndpoint> b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
            if (!Same(a[i], b[i])) return false;
        return true;
    }

    public static bool SameMap<TValue>(IReadOnlyDictionary<string, TValue> a, IReadOnlyDictionary<string, TValue> b)
    {
        if (a.Count != b.Count) return false;
        foreach (var (key, value) in a)
            if (!b.TryGetValue(key, out var other) || !EqualityComparer<TValue>.Default.Equals(value, other)) return false;
        return true;
    }
}
