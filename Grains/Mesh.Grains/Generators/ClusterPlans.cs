using Envoy.Config.Cluster.V3;
using Mesh.Api.Model;

namespace Mesh.Grains.Generators;

/// <summary>One cluster to build: shared by the cluster and endpoint generators so their names always agree.</summary>
internal sealed record ClusterPlan(
    string Name,
    ServicePort Port,
    Subset? Subset,
    TrafficPolicy? Policy,
    Cluster.Types.DiscoveryType Type);

internal static class ClusterPlans
{
    /// <summary>Per port: the whole service, then each subset of the DestinationRule in declaration order.</summary>
    public static IEnumerable<ClusterPlan> For(ServiceView view)
    {
        var host = view.Service.Host;
        var subsets = view.Rule?.Spec.Subsets ?? [];
        foreach (var port in view.Service.Ports)
        {
            yield return Plan(view, port, null, Names.Cluster(port.Number, null, host));
            foreach (var subset in subsets.DistinctBy(s => s.Name))
                yield return Plan(view, port, subset, Names.Cluster(port.Number, subset.Name, host));
        }
    }

    private static ClusterPlan Plan(ServiceView view, ServicePort port, Subset? subset, string name)
    {
        var policy = TrafficPolicies.Effective(view.Rule, port.Number, subset?.Name);
        // PASSTHROUGH hands the choice of endpoint back to the original destination address.
        var type = policy?.LoadBalancer?.Simple == SimpleLoadBalancer.Passthrough
            ? Cluster.Types.DiscoveryType.OriginalDst
            : view.Service.Resolution switch
            {
                ServiceResolution.Dns => Cluster.Types.DiscoveryType.StrictDns,
                ServiceResolution.DnsRoundRobin => Cluster.Types.DiscoveryType.LogicalDns,
                _ => Cluster.Types.DiscoveryType.Eds,
            };
        return new ClusterPlan(name, port, subset, policy, type);
    }
}
