using Mesh.Api.Model;
using Mesh.Api.Hosts;

namespace Mesh.Api.Analysis;

/// <summary>How Istio compares hosts across objects.</summary>
internal static class HostNames
{
    /// <summary>The host as Istio reads it (<see cref="HostName.Qualify"/>), lower-cased: DNS is case-insensitive, so analysis compares it so.</summary>
    public static string Qualify(string host, string ns) => HostName.Qualify(host, ns).ToLowerInvariant();

    /// <summary>Whether a (possibly wildcard) host pattern covers a host: "*.foo.com" covers "a.foo.com".</summary>
    public static bool Covers(string pattern, string host) =>
        pattern == host
        || pattern == "*"
        || (pattern.StartsWith('*') && host.Length > pattern.Length - 1 && host.EndsWith(pattern[1..], StringComparison.Ordinal));
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
