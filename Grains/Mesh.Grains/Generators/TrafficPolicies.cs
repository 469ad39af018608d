using Mesh.Api.Model;

namespace Mesh.Grains.Generators;

/// <summary>
/// Istio's traffic policy precedence for one cluster (MergeSubsetTrafficPolicy): port-level settings
/// replace their whole policy (the docs say omitted fields fall back to defaults, not to the
/// enclosing policy), then the subset's policy overrides the destination's field by field.
/// </summary>
public static class TrafficPolicies
{
    /// <summary>The policy for (port, subset) of a rule, with PortLevelSettings already folded in (empty).</summary>
    public static TrafficPolicy? Effective(DestinationRule? rule, uint port, string? subsetName)
    {
        if (rule is null) return null;
        var (destination, _) = ForPort(rule.Spec.TrafficPolicy, port);
        var subset = string.IsNullOrEmpty(subsetName)
            ? null
            : rule.Spec.Subsets.FirstOrDefault(s => s.Name == subsetName)?.TrafficPolicy;
        if (subset is null) return destination;
        var (subsetPolicy, portLevel) = ForPort(subset, port);
        if (destination is null || subsetPolicy is null) return subsetPolicy ?? destination;
        // A subset port-level entry replaces everything, even the fields it leaves out.
        return new TrafficPolicy(
            subsetPolicy.LoadBalancer is not null || portLevel ? subsetPolicy.LoadBalancer : destination.LoadBalancer,
            subsetPolicy.ConnectionPool is not null || portLevel ? subsetPolicy.ConnectionPool : destination.ConnectionPool,
            subsetPolicy.OutlierDetection is not null || portLevel ? subsetPolicy.OutlierDetection : destination.OutlierDetection,
            subsetPolicy.Tls is not null || portLevel ? subsetPolicy.Tls : destination.Tls,
            []);
    }

    private static (TrafficPolicy? Policy, bool PortLevel) ForPort(TrafficPolicy? policy, uint port)
    {
        if (policy is null) return (null, false);
        var level = policy.PortLevelSettings.FirstOrDefault(p => p.Port.Number == port);
        return level is null
            ? (policy with { PortLevelSettings = [] }, false)
            : (new TrafficPolicy(level.LoadBalancer, level.ConnectionPool, level.OutlierDetection, level.Tls, []), true);
    }
}
