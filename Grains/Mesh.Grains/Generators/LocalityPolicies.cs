using Envoy.Config.Cluster.V3;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;

namespace Mesh.Grains.Generators;

/// <summary>
/// Which EDS clusters get per-proxy-locality load assignments, as istiod decides it: locality load
/// balancing is on unless the rule's localityLbSetting says enabled: false; distribute applies as
/// is, failover (by locality, or by failoverPriority labels) only with outlier detection, since
/// without ejections Envoy would never leave priority 0.
/// </summary>
public static class LocalityPolicies
{
    /// <summary>Istio's network label; the topology labels are <see cref="Localities"/>'.</summary>
    public const string NetworkLabel = "topology.istio.io/network";

    /// <summary>By ClusterLoadAssignment name; clusters without locality load balancing are absent.</summary>
    public static IReadOnlyDictionary<string, LocalityPolicy> Build(ServiceView view) =>
        ClusterPlans.For(view)
            .Where(p => p.Type == Cluster.Types.DiscoveryType.Eds)
            .Select(p => (p.Name, Policy: For(view, p)))
            .Where(p => p.Policy is not null)
            .ToDictionary(p => p.Name, p => p.Policy!, StringComparer.Ordinal);

    /// <summary>Whether the cluster balances by locality weight (common_lb_config.locality_weighted_lb_config).</summary>
    internal static bool LocalityWeighted(TrafficPolicy? policy) => Setting(policy) is var (setting, on) && on
        && (setting?.Distribute.Count > 0 || policy?.OutlierDetection is not null);

    private static (LocalityLbSetting? Setting, bool On) Setting(TrafficPolicy? policy)
    {
        var setting = policy?.LoadBalancer?.LocalityLbSetting;
        return (setting, setting?.Enabled != false);
    }

    private static LocalityPolicy? For(ServiceView view, ClusterPlan plan)
    {
        var (setting, on) = Setting(plan.Policy);
        if (!on) return null;
        if (setting is { Distribute.Count: > 0 })
            return new LocalityPolicy([.. setting.Distribute.Select(d => new LocalityWeights(d.From, d.To))], [], []);
        if (plan.Policy?.OutlierDetection is null) return null;
        var failover = setting?.Failover.Select(f => new RegionFailover(f.From, f.To)).ToList() ?? [];
        var priority = setting?.FailoverPriority ?? [];
        if (priority.Count == 0) return new LocalityPolicy([], failover, []);
        var labels = EndpointGenerator.Select(view, plan).ToDictionary(
            e => Localities.EndpointKey(e.Endpoint.Address, e.Port),
            e => (IReadOnlyList<string>)[.. priority.Select(label => LabelOf(e.Endpoint, label))],
            StringComparer.Ordinal);
        return new LocalityPolicy([], failover, [.. priority], labels);
    }

    private static string LabelOf(MeshEndpoint endpoint, string label)
    {
        if (endpoint.Labels.TryGetValue(label, out var value)) return value;
        return label == NetworkLabel ? endpoint.Network ?? "" : Localities.TopologyLabel(endpoint.Locality, label) ?? "";
    }
}
