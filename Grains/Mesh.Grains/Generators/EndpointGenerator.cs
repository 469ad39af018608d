using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;

namespace Mesh.Grains.Generators;

/// <summary>Builds the ClusterLoadAssignments (EDS) for a service's EDS clusters.</summary>
public static class EndpointGenerator
{
    /// <summary>One assignment per EDS cluster of ClusterGenerator.Build, with the same names.</summary>
    public static IReadOnlyList<ClusterLoadAssignment> Build(ServiceView view) =>
        ClusterPlans.For(view)
            .Where(p => p.Type == Cluster.Types.DiscoveryType.Eds)
            .Select(p => Assignment(view, p))
            .ToList();

    /// <summary>Also used inline by DNS clusters, whose endpoints are host names Envoy resolves itself.</summary>
    internal static ClusterLoadAssignment Assignment(ServiceView view, ClusterPlan plan)
    {
        var endpoints = Select(view, plan);
        if (plan.Type == Cluster.Types.DiscoveryType.LogicalDns)
        {
            // Envoy rejects a LOGICAL_DNS cluster with more than one endpoint.
            endpoints = endpoints.Take(1).ToList();
        }

        var assignment = new ClusterLoadAssignment { ClusterName = plan.Name };
        foreach (var group in endpoints.GroupBy(e => e.Endpoint.Locality ?? string.Empty))
        {
            var locality = new LocalityLbEndpoints { Locality = Localities.Parse(group.Key) };
            ulong total = 0;
            foreach (var (endpoint, port) in group)
            {
                total += Math.Max(endpoint.Weight, 1u);
                locality.LbEndpoints.Add(new LbEndpoint
                {
                    Endpoint = new Endpoint
                    {
                        Address = new Address { SocketAddress = new SocketAddress { Address = endpoint.Address, PortValue = port } },
                    },
                    HealthStatus = Health(endpoint.Health),
                    Metadata = EndpointMetadata.Of(endpoint, view.Service),
                    // Envoy requires weights >= 1; an unset weight already means 1.
                    LoadBalancingWeight = endpoint.Weight > 0 ? endpoint.Weight : null,
                });
            }
            // gRPC clients drop localities without a weight, so it is always set.
            locality.LoadBalancingWeight = (uint)Math.Min(total, uint.MaxValue);
            assignment.Endpoints.Add(locality);
        }
        return assignment;
    }

    /// <summary>
    /// The endpoints of a plan with their ports, sorted by locality, address, port so hashes are stable,
    /// one per address and port across the whole assignment.
    /// </summary>
    internal static List<(MeshEndpoint Endpoint, uint Port)> Select(ServiceView view, ClusterPlan plan)
    {
        var candidates = view.Endpoints;
        if (candidates.Count == 0 && !view.Service.SelectsWorkloads
            && plan.Type is Cluster.Types.DiscoveryType.StrictDns or Cluster.Types.DiscoveryType.LogicalDns)
        {
            // A DNS ServiceEntry without endpoints resolves its own host, as Istio does; one whose
            // workloadSelector selects nothing has no endpoints at all.
            candidates = [new MeshEndpoint(view.Service.Host, new Dictionary<string, uint>(), new Dictionary<string, string>(), null, 0, EndpointHealth.Healthy, null, null)];
        }

        var labels = plan.Subset?.Labels ?? new Dictionary<string, string>();
        return candidates
            // Istio's default (PILOT_SEND_UNHEALTHY_ENDPOINTS=false): an unhealthy endpoint leaves EDS
            // rather than being sent as UNHEALTHY, so no client's panic mode can route to it.
            .Where(e => e.Health != EndpointHealth.Unhealthy)
            .Where(e => LabelSelector.Matches(labels, e.Labels))
            .Select(e => (Endpoint: e, Port: PortOf(e, plan.Port)))
            .OrderBy(e => e.Endpoint.Locality ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(e => e.Endpoint.Address, StringComparer.Ordinal)
            .ThenBy(e => e.Port)
            .ThenBy(e => e.Endpoint.Weight)
            .ThenBy(e => e.Endpoint.Health)
            // Two reports of one socket may disagree on its workload: the kept one must not depend on input order.
            .ThenBy(e => EndpointMetadata.Encode(e.Endpoint, view.Service), StringComparer.Ordinal)
            // The same socket can come twice (two ServiceEntries or shards report one workload); gRPC
            // clients NACK the whole assignment then ("address is a duplicate"). Keep the first, as
            // Istio keeps one: it is one backend, so summing weights would give it more than its share,
            // and the sort makes the pick independent of input order.
            .DistinctBy(e => (e.Endpoint.Address, e.Port))
            .ToList();
    }

    private static uint PortOf(MeshEndpoint endpoint, ServicePort port) =>
        endpoint.Ports.TryGetValue(port.Name, out var mapped) ? mapped : port.TargetPort ?? port.Number;

    private static HealthStatus Health(EndpointHealth health) => health switch
    {
        EndpointHealth.Unhealthy => HealthStatus.Unhealthy,
        EndpointHealth.Draining => HealthStatus.Draining,
        _ => HealthStatus.Healthy,
    };
}
