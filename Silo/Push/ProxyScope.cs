using Mesh.Api.Model;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Push;

/// <summary>
/// Which hosts one proxy may see, as Istio decides it: a host's exportTo ("*", ".", namespaces)
/// and the Sidecar that applies to the proxy (one in its namespace whose workloadSelector matches
/// its labels, else one in its namespace without a selector, else one in the root namespace
/// without a selector), whose egress hosts are "namespace/dnsName" patterns.
/// </summary>
public sealed record ProxyScope(string? Namespace, Sidecar? Sidecar, IReadOnlyDictionary<string, string> Labels)
{
    public const string RootNamespace = "istio-system";

    public static ProxyScope For(ProxyIdentity proxy, IReadOnlyList<Sidecar> sidecars)
    {
        var ns = proxy.Namespace;
        var labels = proxy.Labels ?? new Dictionary<string, string>();
        var inNamespace = sidecars.Where(s => s.Meta.Namespace == ns).OrderBy(s => s.Meta.Name, StringComparer.Ordinal).ToList();
        var sidecar = inNamespace.FirstOrDefault(s => s.Spec.WorkloadSelector is { } sel && LabelSelector.Matches(sel.MatchLabels, labels))
            ?? inNamespace.FirstOrDefault(s => s.Spec.WorkloadSelector is null)
            ?? sidecars.Where(s => s.Meta.Namespace == RootNamespace && s.Spec.WorkloadSelector is null)
                .OrderBy(s => s.Meta.Name, StringComparer.Ordinal).FirstOrDefault();
        return new ProxyScope(ns, sidecar, labels);
    }

    public bool Sees(ServiceFragments host) => Exported(host) && Egress(host);

    private bool Exported(ServiceFragments host)
    {
        var exportTo = host.ExportTo ?? [];
        if (exportTo.Count == 0 || exportTo.Contains("*")) return true;
        if (Namespace is null) return false;
        return exportTo.Contains(Namespace) || (exportTo.Contains(".") && host.Namespace == Namespace);
    }

    private bool Egress(ServiceFragments host)
    {
        if (Sidecar is null || Sidecar.Spec.Egress.Count == 0) return true;
        return Sidecar.Spec.Egress.SelectMany(e => e.Hosts).Any(pattern => Matches(pattern, host));
    }

    private bool Matches(string pattern, ServiceFragments host)
    {
        var slash = pattern.IndexOf('/');
        var (ns, dns) = slash < 0 ? ("*", pattern) : (pattern[..slash], pattern[(slash + 1)..]);
        var sidecarNs = Sidecar!.Meta.Namespace;
        var nsOk = ns switch
        {
            "*" => true,
            "~" => false,
            "." => host.Namespace == sidecarNs,
            _ => host.Namespace == ns,
        };
        if (!nsOk) return false;
        if (dns == "*") return true;
        if (dns.StartsWith("*.", StringComparison.Ordinal)) return host.Host.EndsWith(dns[1..], StringComparison.OrdinalIgnoreCase);
        return string.Equals(dns, host.Host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The proxy's view of a snapshot: visible hosts only, with the route variants its labels
    /// select; the snapshot itself when that is everything as it is. A port whose virtual hosts
    /// are all visible and unvaried keeps the full snapshot's route table instead of composing one.
    /// </summary>
    public ResourceSnapshot Apply(ResourceSnapshot full)
    {
        var hosts = full.Hosts.Where(Sees).Select(h => h.ForLabels(Labels)).ToList();
        if (hosts.Count == full.Hosts.Length && hosts.Zip(full.Hosts).All(p => ReferenceEquals(p.First, p.Second))) return full;
        return SnapshotBuilder.Build(hosts, full.Sidecars, new SidecarResources(full.SidecarRoutes));
    }
}
