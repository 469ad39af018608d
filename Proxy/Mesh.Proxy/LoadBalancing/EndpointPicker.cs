using System.Collections.Concurrent;
using System.Collections.Immutable;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.LoadBalancing;

/// <summary>
/// Chooses an endpoint of a cluster as Envoy does: a priority level by health (overprovisioning,
/// panic threshold), a locality when the cluster is locality-weighted, then one by lb_policy. State that
/// must outlive config swaps (the round robin position, in-flight counts) is kept per cluster name,
/// so a push neither resets the rotation nor forgets requests still running.
/// </summary>
public sealed class EndpointPicker(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
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

    /// <summary>Admits a request under the cluster's circuit breakers; false = overflow (503 UO).</summary>
    public bool TryAdmit(ClusterSnapshot cluster, out AdmissionLease lease)
    {
        var breaker = Balancer(cluster.Name).Breaker;
        var admitted = breaker.TryEnterRequest(cluster.Limits);
        lease = new AdmissionLease(admitted ? breaker : null, retry: false);
        return admitted;
    }

    /// <summary>Takes a retry slot under max_retries; false = the retry is not attempted.</summary>
    public bool TryRetry(ClusterSnapshot cluster, out AdmissionLease lease)
    {
        var breaker = Balancer(cluster.Name).Breaker;
        var admitted = breaker.TryEnterRetry(cluster.Limits);
        lease = new AdmissionLease(admitted ? breaker : null, retry: true);
        return admitted;
    }

    /// <summary>An attempt's outcome for outlier detection: the upstream status, 503 for a connect failure or timeout.</summary>
    public void Report(ClusterSnapshot cluster, EndpointSnapshot endpoint, int status) => Balancer(cluster.Name).Report(cluster, endpoint, status);

    /// <summary>(ejected now, times ejected) of an endpoint, for /clusters.</summary>
    public (bool Ejected, int Ejections) OutlierState(string cluster, EndpointSnapshot endpoint) =>
        _clusters.TryGetValue(cluster, out var balancer) ? balancer.Outliers.StateOf(endpoint) : (false, 0);

    /// <summary>(requests, retries) in flight under the cluster's circuit breakers.</summary>
    public (long Requests, long Retries) Active(string cluster) =>
        _clusters.TryGetValue(cluster, out var balancer) ? (balancer.Breaker.ActiveRequests, balancer.Breaker.ActiveRetries) : (0, 0);

    private ClusterBalancer Balancer(string cluster) => _clusters.GetOrAdd(cluster, static (_, time) => new ClusterBalancer(time), _time);
}

/// <summary>Ends an in-flight count; a struct so the hot path allocates nothing for it.</summary>
public readonly struct InFlightLease(InFlightCounter? counter) : IDisposable
{
    public void Dispose()
    {
        if (counter is not null) Interlocked.Decrement(ref counter.Value);
    }
}

/// <summary>Releases a circuit breaker slot (request or retry); default releases nothing.</summary>
public readonly struct AdmissionLease : IDisposable
{
    private readonly CircuitBreaker? _breaker;
    private readonly bool _retry;

    internal AdmissionLease(CircuitBreaker? breaker, bool retry) => (_breaker, _retry) = (breaker, retry);

    public void Dispose()
    {
        if (_retry) _breaker?.ExitRetry();
        else _breaker?.ExitRequest();
    }
}

public sealed class InFlightCounter
{
    public int Value;
}
