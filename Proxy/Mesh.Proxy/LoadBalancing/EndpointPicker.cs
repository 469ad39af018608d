using System.Collections.Concurrent;
using System.Collections.Immutable;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.LoadBalancing;

/// <summary>
/// Chooses an endpoint of a cluster by its lb_policy: only HEALTHY/UNKNOWN endpoints, from the
/// lowest priority that has any (Envoy's priority failover without overprovisioning). State that
/// must outlive config swaps (the round robin position, in-flight counts) is kept per cluster name,
/// so a push neither resets the rotation nor forgets requests still running.
/// </summary>
public sealed class EndpointPicker
{
    private readonly ConcurrentDictionary<string, ClusterBalancer> _clusters = new(StringComparer.Ordinal);

    /// <param name="hash">The request's consistent-hash key (RING_HASH/MAGLEV); null picks at random there.</param>
    /// <param name="avoid">An endpoint a retry should skip if there is another.</param>
    public EndpointSnapshot? Pick(ClusterSnapshot cluster, ImmutableArray<EndpointSnapshot> endpoints, ulong? hash = null, EndpointSnapshot? avoid = null) =>
        Balancer(cluster.Name).Pick(cluster, endpoints, hash, avoid);

    /// <summary>Counts a request to the endpoint as in flight until the lease is disposed (LEAST_REQUEST reads it).</summary>
    public InFlightLease Begin(string cluster, EndpointSnapshot endpoint) => Balancer(cluster).Begin(endpoint);

    /// <summary>Requests in flight to the endpoint through this cluster (for tests and the admin page).</summary>
    public int InFlight(string cluster, EndpointSnapshot endpoint) =>
        _clusters.TryGetValue(cluster, out var balancer) ? balancer.InFlight(endpoint) : 0;

    private ClusterBalancer Balancer(string cluster) => _clusters.GetOrAdd(cluster, static _ => new ClusterBalancer());
}

/// <summary>Ends an in-flight count; a struct so the hot path allocates nothing for it.</summary>
public readonly struct InFlightLease(InFlightCounter? counter) : IDisposable
{
    public void Dispose()
    {
        if (counter is not null) Interlocked.Decrement(ref counter.Value);
    }
}

public sealed class InFlightCounter
{
    public int Value;
}
