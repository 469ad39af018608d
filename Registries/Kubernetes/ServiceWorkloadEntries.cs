using System.Net;
using k8s.Models;
using Mesh.Api.Model;
using Mesh.Registries.Config;
using Mesh.Registries.Updates;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// The reverse of a ServiceEntry selecting pods: a Kubernetes Service's selector also selects the
/// WorkloadEntries of its namespace (VMs behind a Service), as Istio's Kubernetes registry does with
/// the workload instances the serviceentry registry hands it. Holds the served config's entries by
/// namespace; owned by the registry's loop, not thread-safe.
/// </summary>
public sealed class ServiceWorkloadEntries
{
    private Dictionary<string, List<WorkloadEntry>> _byNamespace = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes a new config; the Services whose selector matched an added, removed or changed entry
    /// (before or after) go into <paramref name="changed"/>.
    /// </summary>
    public void SetConfig(MeshConfig config, ClusterState cluster, ChangeSet changed)
    {
        var next = config.WorkloadEntries
            .GroupBy(e => e.Meta.Namespace, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.Meta.Name, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var touched = new List<WorkloadEntry>();
        foreach (var ns in _byNamespace.Keys.Union(next.Keys))
        {
            var before = _byNamespace.GetValueOrDefault(ns) ?? [];
            var after = next.GetValueOrDefault(ns) ?? [];
            var afterByName = after.ToDictionary(e => e.Meta.Name, StringComparer.Ordinal);
            var beforeByName = before.ToDictionary(e => e.Meta.Name, StringComparer.Ordinal);
            touched.AddRange(before.Where(e => !afterByName.TryGetValue(e.Meta.Name, out var now) || !Same(e, now)));
            touched.AddRange(after.Where(e => !beforeByName.TryGetValue(e.Meta.Name, out var was) || !Same(was, e)));
        }
        _byNamespace = next;
        if (touched.Count == 0) return;
        // Config changes are rare next to pod churn: a scan of the touched namespaces' Services is enough.
        var namespaces = touched.Select(e => e.Meta.Namespace).ToHashSet(StringComparer.Ordinal);
        foreach (var svc in cluster.Services.Values)
            if (namespaces.Contains(svc.Metadata.NamespaceProperty) && touched.Any(e => Selects(svc, e)))
                changed.Services.Add(ResourceCache<V1Service>.KeyOf(svc));
    }

    /// <summary>The WorkloadEntries <paramref name="svc"/> selects, as endpoints of <paramref name="service"/>.</summary>
    public IReadOnlyList<MeshEndpoint> EndpointsOf(V1Service svc, MeshService service)
    {
        // Istio: only load-balanced internal Services (not headless, not ExternalName) take entries.
        if (service.Resolution != ServiceResolution.Static || service.Location != ServiceLocation.MeshInternal) return [];
        if (!_byNamespace.TryGetValue(svc.Metadata.NamespaceProperty, out var entries)) return [];
        return [.. entries.Where(e => Selects(svc, e)).Select(e => ToEndpoint(e, svc))];
    }

    /// <summary>
    /// A Service with a selector selects an entry of its namespace carrying all its labels. Entries
    /// addressed by a hostname or a unix socket serve DNS ServiceEntries only, as in Istio.
    /// </summary>
    public static bool Selects(V1Service svc, WorkloadEntry entry) =>
        svc.Spec?.Selector is { Count: > 0 } selector
        && entry.Meta.Namespace == svc.Metadata.NamespaceProperty
        && IPAddress.TryParse(entry.Spec.Address, out _)
        && LabelSelector.Matches(selector.AsReadOnly(), entry.Spec.Labels);

    /// <summary>
    /// The entry as an endpoint. A service port whose targetPort is a name is served on the entry's
    /// port of that name; a numeric targetPort (or none) is served as the service says, since Istio
    /// ignores the entry's ports then.
    /// </summary>
    public static MeshEndpoint ToEndpoint(WorkloadEntry entry, V1Service svc)
    {
        var ports = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var port in svc.Spec?.Ports ?? [])
            if (port.TargetPort is { } target && !int.TryParse(target.Value, out _)
                && entry.Spec.Ports.TryGetValue(target.Value, out var number) && number > 0)
                ports.TryAdd(port.Name ?? "", number);
        return ServiceEntryTranslator.ToEndpoint(entry) with { Ports = ports };
    }

    private static bool Same(WorkloadEntry a, WorkloadEntry b) =>
        ReferenceEquals(a, b)
        || (a.Spec.Address == b.Spec.Address && a.Spec.Network == b.Spec.Network && a.Spec.Locality == b.Spec.Locality
            && a.Spec.Weight == b.Spec.Weight && a.Spec.ServiceAccount == b.Spec.ServiceAccount && a.Health?.Healthy == b.Health?.Healthy
            && ModelEquality.SameMap(a.Spec.Labels, b.Spec.Labels) && ModelEquality.SameMap(a.Spec.Ports, b.Spec.Ports));
}
