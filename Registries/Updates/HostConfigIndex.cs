using Mesh.Api.Model;
using Mesh.Api.Hosts;

namespace Mesh.Registries.Updates;

/// <summary>The config that targets one host: its DestinationRule and the VirtualServices naming it.</summary>
public sealed record HostConfig(DestinationRule? Rule, IReadOnlyList<VirtualService> VirtualServices)
{
    public bool SameAs(HostConfig other) => Rule == other.Rule && VirtualServices.SequenceEqual(other.VirtualServices);
}

/// <summary>
/// Splits config by the host it targets. Short names resolve as Istio does (<see cref="HostName.Qualify"/>):
/// "reviews" written in namespace "ns" means "reviews.ns.svc.&lt;domain&gt;". When several DestinationRules name a host,
/// the oldest by (namespace, name) wins, as `meshctl analyze` warns.
/// </summary>
public static class HostConfigIndex
{
    public static Dictionary<string, HostConfig> Build(MeshConfig config, string domain = HostName.DefaultDomain)
    {
        var rules = new Dictionary<string, DestinationRule>(StringComparer.Ordinal);
        foreach (var rule in config.DestinationRules.OrderBy(r => r.Meta.Namespace, StringComparer.Ordinal).ThenBy(r => r.Meta.Name, StringComparer.Ordinal))
            rules.TryAdd(HostName.Qualify(rule.Spec.Host, rule.Meta.Namespace, domain), rule);

        var services = new Dictionary<string, List<VirtualService>>(StringComparer.Ordinal);
        foreach (var vs in config.VirtualServices.OrderBy(v => v.Meta.Namespace, StringComparer.Ordinal).ThenBy(v => v.Meta.Name, StringComparer.Ordinal))
        {
            if (vs.Spec.Gateways.Count > 0 && !vs.Spec.Gateways.Contains("mesh")) continue; // gateway-only routes are not for sidecars
            foreach (var host in vs.Spec.Hosts.Select(h => HostName.Qualify(h, vs.Meta.Namespace, domain)).Distinct(StringComparer.Ordinal))
            {
                if (!services.TryGetValue(host, out var list)) services[host] = list = [];
                list.Add(vs);
            }
        }

        var result = new Dictionary<string, HostConfig>(StringComparer.Ordinal);
        foreach (var host in rules.Keys.Union(services.Keys))
            result[host] = new HostConfig(rules.GetValueOrDefault(host), services.TryGetValue(host, out var v) ? v : []);
        return result;
    }
}
