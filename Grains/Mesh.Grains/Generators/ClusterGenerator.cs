using Envoy.Config.Cluster.V3;
using Mesh.Api.Model;

namespace Mesh.Grains.Generators;

/// <summary>Builds the outbound clusters (CDS) of a service: one per port and one per (port, subset).</summary>
public static class ClusterGenerator
{
    // Envoy resolves STRICT/LOGICAL_DNS hosts itself; Istio's mesh default refresh is 60s, bounded by the record TTL.
    private static readonly TimeSpan DnsRefreshRate = TimeSpan.FromSeconds(60);

    public static IReadOnlyList<Cluster> Build(ServiceView view) =>
        ClusterPlans.For(view).Select(p => Build(view, p)).ToList();

    private static Cluster Build(ServiceView view, ClusterPlan plan)
    {
        var cluster = new Cluster { Name = plan.Name, Type = plan.Type };
        switch (plan.Type)
        {
            case Cluster.Types.DiscoveryType.Eds:
                cluster.EdsClusterConfig = new Cluster.Types.EdsClusterConfig { EdsConfig = Protos.Ads(), ServiceName = plan.Name };
                break;
            case Cluster.Types.DiscoveryType.StrictDns or Cluster.Types.DiscoveryType.LogicalDns:
                cluster.LoadAssignment = EndpointGenerator.Assignment(view, plan);
                cluster.DnsRefreshRate = Protos.Duration(DnsRefreshRate);
                cluster.RespectDnsTtl = true;
                // Works on IPv4-only and dual-stack nodes alike; AUTO would try IPv6 first.
                cluster.DnsLookupFamily = Cluster.Types.DnsLookupFamily.V4Preferred;
                break;
        }
        ClusterTrafficPolicy.Apply(cluster, plan.Policy, plan.Port);
        return cluster;
    }
}
