using Envoy.Config.Endpoint.V3;

namespace Mesh.Grains.Abstractions;

/// <summary>
/// A cluster's shared load assignment as one proxy is served it, the way istiod's
/// ApplyLocalityLoadBalancer rewrites it for the proxy's locality. Pure: the caller caches.
/// </summary>
public static class LocalityAssignment
{
    // Istio's LbPriority levels: same subzone, same zone, same region, failover region, the rest.
    private const int Levels = 5;

    /// <param name="proxyLocality">"region/zone/subzone" of the proxy (from its Node).</param>
    /// <param name="proxyLabels">The proxy's labels (failoverPriority matches them).</param>
    public static ClusterLoadAssignment Apply(
        ClusterLoadAssignment shared, LocalityPolicy policy, string proxyLocality, IReadOnlyDictionary<string, string> proxyLabels)
    {
        var assignment = shared.Clone();
        var proxy = Localities.Parse(proxyLocality);
        if (policy.Distribute.Count > 0)
        {
            Distribute(assignment, proxy, policy.Distribute);
            return assignment;
        }
        if (policy.FailoverPriority.Count > 0)
        {
            ByLabels(assignment, policy, proxyLocality, proxyLabels);
            if (policy.Failover.Count == 0)
            {
                Squash(assignment);
                return assignment;
            }
        }
        foreach (var group in assignment.Endpoints)
        {
            // Label priorities keep their order; locality orders within each (Istio multiplies by 5).
            group.Priority = group.Priority * Levels + (uint)ByLocality(proxy, group.Locality, policy.Failover);
        }
        Squash(assignment);
        return assignment;
    }

    private static int ByLocality(Envoy.Config.Core.V3.Locality proxy, Envoy.Config.Core.V3.Locality? endpoint, IReadOnlyList<RegionFailover> failover)
    {
        var region = endpoint?.Region ?? "";
        if (proxy.Region == region)
        {
            if (proxy.Zone != (endpoint?.Zone ?? "")) return 2;
            return proxy.SubZone == (endpoint?.SubZone ?? "") ? 0 : 1;
        }
        // The first failover rule from the proxy's region decides: its target region first, then the rest.
        var rule = failover.FirstOrDefault(f => f.From == proxy.Region);
        return rule is null || rule.To == region ? 3 : 4;
    }

    /// <summary>
    /// failoverPriority: an endpoint's priority is how many of the labels, in order, fail to match the
    /// proxy's before the first mismatch (all match = 0). A locality splits into one group per priority.
    /// </summary>
    private static void ByLabels(ClusterLoadAssignment assignment, LocalityPolicy policy, string proxyLocality, IReadOnlyDictionary<string, string> proxyLabels)
    {
        var wanted = policy.FailoverPriority.Select(label =>
            proxyLabels.TryGetValue(label, out var v) ? v : Localities.TopologyLabel(proxyLocality, label)).ToList();
        var groups = new List<LocalityLbEndpoints>();
        foreach (var group in assignment.Endpoints)
        {
            foreach (var split in group.LbEndpoints.GroupBy(e => LabelPriority(e, policy, wanted)).OrderBy(g => g.Key))
            {
                var part = new LocalityLbEndpoints { Locality = group.Locality, Priority = (uint)split.Key };
                part.LbEndpoints.AddRange(split);
                part.LoadBalancingWeight = (uint)Math.Min(split.Sum(e => (long)(e.LoadBalancingWeight ?? 1)), uint.MaxValue);
                groups.Add(part);
            }
        }
        assignment.Endpoints.Clear();
        assignment.Endpoints.AddRange(groups);
    }

    private static int LabelPriority(LbEndpoint endpoint, LocalityPolicy policy, List<string?> wanted)
    {
        var socket = endpoint.Endpoint.Address.SocketAddress;
        if (policy.EndpointLabels?.TryGetValue(Localities.EndpointKey(socket.Address, socket.PortValue), out var values) != true) return wanted.Count;
        for (var i = 0; i < wanted.Count; i++)
            if (wanted[i] is null || wanted[i] != values![i]) return wanted.Count - i;
        return 0;
    }

    /// <summary>Priorities must be consecutive from 0: map the ones used, in order, onto 0..n.</summary>
    private static void Squash(ClusterLoadAssignment assignment)
    {
        var used = assignment.Endpoints.Select(g => g.Priority).Distinct().Order().ToList();
        foreach (var group in assignment.Endpoints) group.Priority = (uint)used.IndexOf(group.Priority);
    }

    /// <summary>
    /// Istio's applyLocalityWeights: the first rule whose from matches the proxy splits each to-weight
    /// over the localities it matches (in proportion to their own weights, rounded up); localities no
    /// to-entry matches keep no endpoints.
    /// </summary>
    private static void Distribute(ClusterLoadAssignment assignment, Envoy.Config.Core.V3.Locality proxy, IReadOnlyList<LocalityWeights> rules)
    {
        var rule = rules.FirstOrDefault(r => Matches(proxy, r.From));
        if (rule is null) return;
        var unmatched = Enumerable.Range(0, assignment.Endpoints.Count).ToHashSet();
        foreach (var (to, weight) in rule.To.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var matched = unmatched.Where(i => Matches(assignment.Endpoints[i].Locality, to)).Order().ToList();
            var total = matched.Sum(i => (double)(assignment.Endpoints[i].LoadBalancingWeight ?? 1));
            foreach (var i in matched)
            {
                unmatched.Remove(i);
                var original = assignment.Endpoints[i].LoadBalancingWeight ?? 1;
                var share = original * (double)weight / total;
                if (share > 0) assignment.Endpoints[i].LoadBalancingWeight = (uint)Math.Ceiling(share);
            }
        }
        foreach (var i in unmatched) assignment.Endpoints[i].LbEndpoints.Clear();
    }

    /// <summary>Istio's LocalityMatch: "region[/zone[/subzone]]", where "*" or a missing part matches anything.</summary>
    internal static bool Matches(Envoy.Config.Core.V3.Locality? locality, string rule)
    {
        var parts = rule.Split('/', 3);
        static bool Part(string[] parts, int i, string actual) =>
            parts.Length <= i || parts[i] is "*" or "" || parts[i] == actual;
        return Part(parts, 0, locality?.Region ?? "") && Part(parts, 1, locality?.Zone ?? "") && Part(parts, 2, locality?.SubZone ?? "");
    }
}
