using System.Collections.Concurrent;
using Envoy.Config.Endpoint.V3;
using Mesh.Grains.Abstractions;
using Mesh.Api.Xds;

namespace Mesh.Silo.Push;

/// <summary>
/// Per-proxy-locality ClusterLoadAssignments, derived from the shared one on first use and cached
/// per (cluster, proxy locality, failoverPriority label values): proxies in one zone share one copy,
/// and localities are few. An entry is rebuilt when the shared assignment's version moves, so an
/// endpoint change costs one derivation per locality in use, not one per proxy. Thread-safe: every
/// stream of the silo reads it.
/// </summary>
public sealed class LocalityAssignments
{
    private readonly ConcurrentDictionary<(string Name, string Proxy), (string SourceVersion, XdsResource Served)> _cache = new();

    public int Count => _cache.Count;

    /// <summary>
    /// A resource of the snapshot as a proxy is served it: a ClusterLoadAssignment under locality load
    /// balancing becomes the copy for the proxy's locality; anything else, and everything for a proxy
    /// without a locality (proxyless gRPC clients that send none), is the shared resource itself.
    /// </summary>
    public XdsResource Serve(ResourceSnapshot snapshot, XdsResource resource, string? proxyLocality, IReadOnlyDictionary<string, string>? proxyLabels) =>
        proxyLocality is not null && resource.TypeUrl == ResourceTypes.ClusterLoadAssignment
            && snapshot.Localities.TryGetValue(resource.Name, out var policy)
            ? For(resource, policy, proxyLocality, proxyLabels ?? new Dictionary<string, string>())
            : resource;

    /// <summary>The assignment as a proxy in this locality with these labels is served it.</summary>
    public XdsResource For(XdsResource shared, LocalityPolicy policy, string proxyLocality, IReadOnlyDictionary<string, string> proxyLabels)
    {
        var key = (shared.Name, ProxyKey(policy, proxyLocality, proxyLabels));
        if (_cache.TryGetValue(key, out var cached) && cached.SourceVersion == shared.Version) return cached.Served;
        var assignment = LocalityAssignment.Apply(ClusterLoadAssignment.Parser.ParseFrom(shared.Body), policy, proxyLocality, proxyLabels);
        var served = XdsResource.Pack(shared.TypeUrl, shared.Name, assignment);
        _cache[key] = (shared.Version, served);
        return served;
    }

    /// <summary>Drops entries of assignments that no longer exist (called per flush with the live names).</summary>
    public void Retain(IReadOnlySet<string> names)
    {
        foreach (var key in _cache.Keys)
            if (!names.Contains(key.Name)) _cache.TryRemove(key, out _);
    }

    // Only the labels the policy ranks by tell two proxies of one locality apart.
    private static string ProxyKey(LocalityPolicy policy, string locality, IReadOnlyDictionary<string, string> labels) =>
        policy.FailoverPriority.Count == 0
            ? locality
            : locality + "|" + string.Join('\u0001', policy.FailoverPriority.Select(l => labels.TryGetValue(l, out var v) ? "=" + v : "-"));
}
