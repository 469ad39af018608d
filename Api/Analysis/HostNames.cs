using Mesh.Api.Model;

namespace Mesh.Api.Analysis;

/// <summary>How Istio compares hosts across objects.</summary>
internal static class HostNames
{
    /// <summary>
    /// A short name means a Kubernetes-style service in the object's namespace
    /// (<c>reviews</c> in <c>ns</c> is <c>reviews.ns.svc.cluster.local</c>). DNS is case-insensitive.
    /// </summary>
    public static string Qualify(string host, string ns) =>
        (host.Contains('.') || host.Contains('*') ? host : $"{host}.{ns}.svc.cluster.local").ToLowerInvariant();

    /// <summary>Whether a (possibly wildcard) host pattern covers a host: "*.foo.com" covers "a.foo.com".</summary>
    public static bool Covers(string pattern, string host) =>
        pattern == host
        || pattern == "*"
        || (pattern.StartsWith('*') && host.Length > pattern.Length - 1 && host.EndsWith(pattern[1..], StringComparison.Ordinal));

    public static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.All(kv => labels.TryGetValue(kv.Key, out var value) && value == kv.Value);
}

/// <summary>The namespaces an object is exported to (Istio's exportTo; empty means everywhere).</summary>
internal sealed record Visibility(bool All, IReadOnlySet<string> Namespaces)
{
    public static Visibility Of(ConfigMeta meta, IReadOnlyList<string> exportTo)
    {
        if (exportTo.Count == 0 || exportTo.Contains("*"))
        {
            return new Visibility(true, new HashSet<string>());
        }

        var namespaces = exportTo.Where(e => e != "~").Select(e => e == "." ? meta.Namespace : e).ToHashSet(StringComparer.Ordinal);
        return new Visibility(false, namespaces);
    }

    public bool VisibleTo(string ns) => All || Namespaces.Contains(ns);

    public bool Overlaps(Visibility other) =>
        (All && (other.All || other.Namespaces.Count > 0))
        || (other.All && Namespaces.Count > 0)
        || Namespaces.Overlaps(other.Namespaces);
}
