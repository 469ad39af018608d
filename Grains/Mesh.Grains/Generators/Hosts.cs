using Mesh.Api.Hosts;

namespace Mesh.Grains.Generators;

/// <summary>Istio host name rules for routing: wildcard specificity and the Kubernetes aliases of a host (short names: <see cref="HostName"/>).</summary>
internal static class Hosts
{
    /// <summary>How well a VirtualService host pattern covers a service host; null when it does not.</summary>
    /// <remarks>Envoy picks the most specific domain, so an exact host beats any wildcard and a longer wildcard beats a shorter one.</remarks>
    public static int? Specificity(string serviceHost, string pattern)
    {
        if (string.Equals(pattern, serviceHost, StringComparison.OrdinalIgnoreCase)) return int.MaxValue;
        if (pattern == "*") return 0;
        if (pattern.StartsWith("*.", StringComparison.Ordinal)
            && serviceHost.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
            && serviceHost.Length > pattern.Length - 1)
        {
            return pattern.Length;
        }
        return null;
    }

    /// <summary>"svc", "svc.ns", "svc.ns.svc" for "svc.ns.svc.&lt;domain&gt;"; nothing for other hosts.</summary>
    public static IEnumerable<string> KubernetesAliases(string host, string domain = HostName.DefaultDomain)
    {
        var suffix = ".svc." + domain;
        if (!host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) yield break;
        var parts = host[..^suffix.Length].Split('.');
        if (parts.Length != 2 || parts.Any(p => p.Length == 0)) yield break;
        yield return parts[0];
        yield return $"{parts[0]}.{parts[1]}";
        yield return $"{parts[0]}.{parts[1]}.svc";
    }
}
