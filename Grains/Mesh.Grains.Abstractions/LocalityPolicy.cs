namespace Mesh.Grains.Abstractions;

/// <summary>
/// How a cluster's load assignment is reordered for each proxy's locality (Istio's locality load
/// balancing). The shared ClusterLoadAssignment has everything at priority 0; a proxy with a
/// locality is served a copy with priorities (Failover) or locality weights (Distribute) relative
/// to it. EndpointLabels, "address:port" to the values of the FailoverPriority labels, exist only
/// when FailoverPriority is set, since the assignment itself carries no labels.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LocalityPolicy(
    [property: Id(0)] IReadOnlyList<LocalityWeights> Distribute,
    [property: Id(1)] IReadOnlyList<RegionFailover> Failover,
    [property: Id(2)] IReadOnlyList<string> FailoverPriority,
    [property: Id(3)] IReadOnlyDictionary<string, IReadOnlyList<string>>? EndpointLabels = null)
{
    /// <summary>A stable text of the policy: folded into the assignment's version, so a policy change is a change.</summary>
    public string Fingerprint() =>
        string.Join(';', Distribute.Select(d => d.From + ">" + string.Join(',', d.To.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"))))
        + "|" + string.Join(';', Failover.Select(f => f.From + ">" + f.To))
        + "|" + string.Join(';', FailoverPriority)
        + "|" + string.Join(';', (EndpointLabels ?? new Dictionary<string, IReadOnlyList<string>>())
            .OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + "=" + string.Join(',', e.Value)));
}

[GenerateSerializer, Immutable]
public sealed record LocalityWeights(
    [property: Id(0)] string From,
    [property: Id(1)] IReadOnlyDictionary<string, uint> To);

[GenerateSerializer, Immutable]
public sealed record RegionFailover(
    [property: Id(0)] string From,
    [property: Id(1)] string To);
