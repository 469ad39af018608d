using k8s.Models;
using Mesh.Api.Model;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// Which services a batch of changes touched (and which ServiceEntry hosts, for the pods their
/// selectors pick); All after a relist or a change that reaches every host.
/// </summary>
public sealed class ChangeSet
{
    public HashSet<string> Services { get; } = new(StringComparer.Ordinal);

    /// <summary>ServiceEntry hosts whose selected pods must be looked at again.</summary>
    public HashSet<string> Hosts { get; } = new(StringComparer.Ordinal);

    /// <summary>Each pod the batch touched, before and after (null for absent), for the ServiceEntry selectors to match.</summary>
    public List<(V1Pod? Before, V1Pod? After)> Pods { get; } = [];

    public bool All { get; set; }

    public bool IsEmpty => !All && Services.Count == 0 && Hosts.Count == 0;
}

/// <summary>
/// The registry's caches per kind and the indexes between them (a service's slices, the services a
/// pod backs, a namespace's pods), so a change recomputes only the hosts it reaches. Owned by the registry's loop.
/// </summary>
public sealed class ClusterState : IClusterView
{
    private readonly Dictionary<string, HashSet<string>> _slicesByService = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _servicesByPod = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _podsByService = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _podsByNamespace = new(StringComparer.Ordinal);
    private readonly HashSet<string> _listed = new(StringComparer.Ordinal);

    /// <summary>Istio's default cluster id, as --kube-cluster-id's.</summary>
    public string ClusterId { get; init; } = "Kubernetes";

    public ResourceCache<V1Service> Services { get; } = new();
    public ResourceCache<V1EndpointSlice> Slices { get; } = new();
    public ResourceCache<V1Pod> Pods { get; } = new();
    public ResourceCache<V1Node> Nodes { get; } = new();
    public ResourceCache<V1Namespace> Namespaces { get; } = new();

    /// <summary>Kinds listed at least once; the registry publishes nothing before all are.</summary>
    public IReadOnlySet<string> Listed => _listed;

    public void Apply(ResourceChange<V1Service> change, ChangeSet changed)
    {
        foreach (var (before, after) in Services.Apply(change))
            changed.Services.Add(ResourceCache<V1Service>.KeyOf((before ?? after)!));
        Relisted("Service", change, changed);
    }

    public void Apply(ResourceChange<V1EndpointSlice> change, ChangeSet changed)
    {
        foreach (var (before, after) in Slices.Apply(change))
        {
            if (before is not null && ServiceOf(before) is { } old)
            {
                changed.Services.Add(old);
                if (_slicesByService.TryGetValue(old, out var set) && set.Remove(ResourceCache<V1EndpointSlice>.KeyOf(before)) && set.Count == 0)
                    _slicesByService.Remove(old);
            }
            if (after is not null && ServiceOf(after) is { } now)
            {
                changed.Services.Add(now);
                if (!_slicesByService.TryGetValue(now, out var set)) _slicesByService[now] = set = new(StringComparer.Ordinal);
                set.Add(ResourceCache<V1EndpointSlice>.KeyOf(after));
            }
        }
        Relisted("EndpointSlice", change, changed);
    }

    public void Apply(ResourceChange<V1Pod> change, ChangeSet changed)
    {
        foreach (var (before, after) in Pods.Apply(change))
        {
            var key = ResourceCache<V1Pod>.KeyOf((before ?? after)!);
            if (_servicesByPod.TryGetValue(key, out var users))
                changed.Services.UnionWith(users);
            if (before is not null && _podsByNamespace.TryGetValue(before.Metadata.NamespaceProperty ?? "", out var old) && old.Remove(key) && old.Count == 0)
                _podsByNamespace.Remove(before.Metadata.NamespaceProperty ?? "");
            if (after is not null)
            {
                var ns = after.Metadata.NamespaceProperty ?? "";
                if (!_podsByNamespace.TryGetValue(ns, out var set)) _podsByNamespace[ns] = set = new(StringComparer.Ordinal);
                set.Add(key);
            }
            changed.Pods.Add((before, after));
        }
        Relisted("Pod", change, changed);
    }

    public void Apply(ResourceChange<V1Node> change, ChangeSet changed)
    {
        // Nodes report status every few seconds; only a move to another locality matters, and it is rare
        // enough to recompute every host rather than index endpoints by node.
        foreach (var (before, after) in Nodes.Apply(change))
            if (KubernetesTranslator.Locality(before, null) != KubernetesTranslator.Locality(after, null))
                changed.All = true;
        Relisted("Node", change, changed);
    }

    public void Apply(ResourceChange<V1Namespace> change, ChangeSet changed)
    {
        foreach (var (before, after) in Namespaces.Apply(change))
            if (KubernetesTranslator.NamespaceNetwork(before) != KubernetesTranslator.NamespaceNetwork(after)) changed.All = true;
        Relisted("Namespace", change, changed);
    }

    /// <summary>The host of a service key ("namespace/name") and what the shard says about it now; null service when it is gone.</summary>
    public (string Host, MeshService? Service, IReadOnlyList<MeshEndpoint> Endpoints) Build(string serviceKey, string domain)
    {
        var (ns, name) = Split(serviceKey);
        var host = KubernetesTranslator.Host(name, ns, domain);
        ForgetPods(serviceKey);
        if (Services.Get(serviceKey) is not { } svc) return (host, null, []);
        var service = KubernetesTranslator.ToService(svc, domain);
        var pods = SlicesOf(ns, name)
            .SelectMany(s => s.Endpoints ?? [])
            .Where(e => e.TargetRef is { Kind: "Pod" })
            .Select(e => ResourceCache<V1Pod>.Key(e.TargetRef.NamespaceProperty ?? ns, e.TargetRef.Name))
            .Distinct().ToList();
        _podsByService[serviceKey] = pods;
        foreach (var pod in pods)
        {
            if (!_servicesByPod.TryGetValue(pod, out var users)) _servicesByPod[pod] = users = new(StringComparer.Ordinal);
            users.Add(serviceKey);
        }
        return (host, service, KubernetesTranslator.ToEndpoints(svc, service, this));
    }

    public IEnumerable<V1EndpointSlice> SlicesOf(string @namespace, string service) =>
        _slicesByService.TryGetValue(ResourceCache<V1Service>.Key(@namespace, service), out var keys)
            ? keys.Select(Slices.Get).OfType<V1EndpointSlice>()
            : [];

    public V1Pod? Pod(string @namespace, string name) => Pods.Get(ResourceCache<V1Pod>.Key(@namespace, name));

    /// <summary>The pods of one namespace, in name order.</summary>
    public IEnumerable<V1Pod> PodsIn(string @namespace) =>
        _podsByNamespace.TryGetValue(@namespace, out var keys)
            ? keys.Order(StringComparer.Ordinal).Select(Pods.Get).OfType<V1Pod>()
            : [];

    public V1Node? Node(string name) => Nodes.Get(name);

    public V1Namespace? Namespace(string name) => Namespaces.Get(name);

    private void ForgetPods(string serviceKey)
    {
        if (!_podsByService.Remove(serviceKey, out var pods)) return;
        foreach (var pod in pods)
            if (_servicesByPod.TryGetValue(pod, out var users) && users.Remove(serviceKey) && users.Count == 0)
                _servicesByPod.Remove(pod);
    }

    private void Relisted<T>(string kind, ResourceChange<T> change, ChangeSet changed)
    {
        if (change.Kind != ResourceChangeKind.Relisted) return;
        _listed.Add(kind);
        changed.All = true;
    }

    private static string? ServiceOf(V1EndpointSlice slice) =>
        slice.Metadata.Labels is { } labels && labels.TryGetValue(KubernetesTranslator.ServiceNameLabel, out var name)
            ? ResourceCache<V1Service>.Key(slice.Metadata.NamespaceProperty, name)
            : null;

    private static (string Namespace, string Name) Split(string key)
    {
        var slash = key.IndexOf('/');
        return (key[..slash], key[(slash + 1)..]);
    }
}
