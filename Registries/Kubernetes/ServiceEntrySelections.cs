using k8s.Models;
using Mesh.Api.Model;
using Mesh.Registries.Updates;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// The ServiceEntries of the served config that select workloads, indexed for the pods: which
/// hosts they define, and which entries of a namespace a pod change can reach. A host belongs to
/// the first entry naming it (by namespace, name), as in <see cref="Config.ServiceEntryTranslator"/>,
/// and only a selecting owner gives it pods. Nothing is selected before the first config arrives.
/// Owned by the registry's loop: not thread-safe.
/// </summary>
public sealed class ServiceEntrySelections
{
    private Dictionary<string, ServiceEntry> _ownerByHost = new(StringComparer.Ordinal);
    private Dictionary<string, List<(ServiceEntry Entry, List<string> Hosts)>> _byNamespace = new(StringComparer.Ordinal);

    /// <summary>Whether a config has been seen: before that no ServiceEntry host is published, rather than an empty one.</summary>
    public bool Loaded { get; private set; }

    /// <summary>Every host whose owning entry has a workloadSelector.</summary>
    public IEnumerable<string> Hosts => _ownerByHost.Keys;

    public bool Owns(string host) => _ownerByHost.ContainsKey(host);

    /// <summary>Takes a new config; the hosts whose selection (owner, selector, namespace, ports) changed go into <paramref name="changed"/>.</summary>
    public void SetConfig(MeshConfig config, ChangeSet changed)
    {
        var owners = new Dictionary<string, ServiceEntry>(StringComparer.Ordinal);
        foreach (var entry in config.ServiceEntries.OrderBy(e => e.Meta.Namespace, StringComparer.Ordinal).ThenBy(e => e.Meta.Name, StringComparer.Ordinal))
            foreach (var host in entry.Spec.Hosts)
                owners.TryAdd(host, entry);
        var next = owners.Where(o => o.Value.Spec.WorkloadSelector is not null).ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal);

        foreach (var host in _ownerByHost.Keys.Union(next.Keys))
            if (!_ownerByHost.TryGetValue(host, out var before) || !next.TryGetValue(host, out var after) || !SameSelection(before, after))
                changed.Hosts.Add(host);

        _ownerByHost = next;
        _byNamespace = next
            .GroupBy(o => o.Value.Meta.Key, StringComparer.Ordinal)
            .Select(g => (Entry: g.First().Value, Hosts: g.Select(o => o.Key).ToList()))
            .GroupBy(e => e.Entry.Meta.Namespace, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Loaded = true;
    }

    /// <summary>The hosts whose selectors matched a touched pod before or after its change go into <paramref name="changed"/>.</summary>
    public void Reach(ChangeSet changed)
    {
        foreach (var (before, after) in changed.Pods)
            foreach (var pod in new[] { before, after })
                if (pod?.Metadata?.NamespaceProperty is { } ns && _byNamespace.TryGetValue(ns, out var entries))
                    foreach (var (entry, hosts) in entries)
                        if (ServiceEntryPods.Selects(entry, pod)) changed.Hosts.UnionWith(hosts);
    }

    /// <summary>The pods the owner of <paramref name="host"/> selects now, as endpoints; none if it selects nothing.</summary>
    public IReadOnlyList<MeshEndpoint> EndpointsOf(string host, ClusterState cluster)
    {
        if (!_ownerByHost.TryGetValue(host, out var entry)) return [];
        var ns = entry.Meta.Namespace;
        var result = new List<MeshEndpoint>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in cluster.PodsIn(ns))
        {
            if (!ServiceEntryPods.Selects(entry, pod)) continue;
            var node = pod.Spec?.NodeName is { } nodeName ? cluster.Node(nodeName) : null;
            // Host-network pods share their node's IP: one endpoint per address, the first pod by name.
            if (ServiceEntryPods.ToEndpoint(pod, entry.Spec, node, cluster.Namespace(ns), cluster.ClusterId) is { } endpoint && seen.Add(endpoint.Address))
                result.Add(endpoint);
        }
        return result;
    }

    private static bool SameSelection(ServiceEntry a, ServiceEntry b) =>
        ReferenceEquals(a, b)
        || (a.Meta.Namespace == b.Meta.Namespace
            && a.Spec.Ports.SequenceEqual(b.Spec.Ports)
            && a.Spec.WorkloadSelector is { } x && b.Spec.WorkloadSelector is { } y
            && ModelEquality.SameMap(x.MatchLabels, y.MatchLabels));
}
