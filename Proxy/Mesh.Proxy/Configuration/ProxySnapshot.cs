using System.Collections.Immutable;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// Everything the sidecar routes by, as one immutable value: swapped whole on each accepted xDS
/// update, so a request that captured it at its start sees one consistent config to its end.
/// </summary>
/// <param name="Version">Per type, the version of the last accepted update ("" before any).</param>
public sealed record ProxySnapshot(
    ImmutableDictionary<string, ClusterSnapshot> Clusters,
    ImmutableDictionary<string, EndpointSet> Endpoints,
    ImmutableDictionary<string, ListenerSnapshot> Listeners,
    ImmutableDictionary<string, RouteTable> RouteTables,
    ImmutableDictionary<string, string> Version)
{
    public static ProxySnapshot Empty { get; } = new(
        ImmutableDictionary<string, ClusterSnapshot>.Empty,
        ImmutableDictionary<string, EndpointSet>.Empty,
        ImmutableDictionary<string, ListenerSnapshot>.Empty,
        ImmutableDictionary<string, RouteTable>.Empty,
        ImmutableDictionary<string, string>.Empty);

    /// <summary>The endpoints of a cluster: its EDS assignment, or the inline one of a STATIC/DNS cluster.</summary>
    public ImmutableArray<EndpointSnapshot> EndpointsOf(ClusterSnapshot cluster) =>
        cluster.EdsServiceName is { } service
            ? Endpoints.TryGetValue(service, out var set) ? set.Endpoints : []
            : cluster.InlineEndpoints;

    /// <summary>
    /// The TCP listener for an intercepted connection's original destination, as Envoy's virtual
    /// outbound listener hands a connection to the listener of its address: exact address first,
    /// then a prefix range holding it, then the port's "0.0.0.0" listener. Null when the port has an
    /// HTTP listener or nothing takes it.
    /// </summary>
    public ListenerSnapshot? TcpListenerFor(System.Net.IPEndPoint destination)
    {
        ListenerSnapshot? range = null, any = null;
        var address = destination.Address.ToString();
        foreach (var listener in Listeners.Values)
        {
            if (listener.Port != destination.Port || listener.TcpCluster is null) continue;
            if (listener.PrefixRange is { } prefix)
            {
                if (prefix.Contains(destination.Address) && (range is null || prefix.PrefixLength > range.PrefixRange!.Value.PrefixLength)) range = listener;
            }
            else if (listener.Address == address) return listener;
            else if (listener.Address is "0.0.0.0" or "::") any = listener;
        }
        return range ?? any;
    }

    /// <summary>Whether any HTTP listener serves this port (intercepted connections to it are HTTP).</summary>
    public bool HasHttpListener(uint port) => Listeners.Values.Any(l => l.Port == port && l.RouteConfigName is not null);

    /// <summary>The route table a listener port uses (explicit interception knows only the authority's port).</summary>
    public RouteTable? RouteTableForPort(uint port)
    {
        foreach (var listener in Listeners.Values)
        {
            if (listener.Port == port && listener.RouteConfigName is { } name && RouteTables.TryGetValue(name, out var table)) return table;
        }
        return null;
    }
}

public enum LoadBalancerKind { RoundRobin, LeastRequest, Random, RingHash, Maglev }

public enum UpstreamProtocol { Http11, Http2 }

/// <param name="EdsServiceName">The EDS resource holding the endpoints; null for clusters with inline endpoints.</param>
public sealed record ClusterSnapshot(
    string Name,
    string? EdsServiceName,
    LoadBalancerKind LoadBalancing,
    UpstreamProtocol Protocol,
    TimeSpan ConnectTimeout,
    ImmutableArray<EndpointSnapshot> InlineEndpoints)
{
    /// <summary>ring_hash_lb_config (also used for MAGLEV, which this proxy serves from the same ring).</summary>
    public RingSizes Ring { get; init; } = RingSizes.Default;

    /// <summary>circuit_breakers.thresholds at DEFAULT priority (Envoy's defaults when absent).</summary>
    public CircuitBreakerLimits Limits { get; init; } = CircuitBreakerLimits.EnvoyDefault;

    /// <summary>outlier_detection; null when the cluster has none (no endpoint is ever ejected).</summary>
    public OutlierPolicy? Outlier { get; init; }

    /// <summary>
    /// common_lb_config.healthy_panic_threshold in percent (Envoy's 50 when absent; Istio sends 0 with
    /// outlier detection): below it, a level's load goes to all its hosts; at 0, to none (503 UH).
    /// </summary>
    public double HealthyPanicThreshold { get; init; } = 50;

    /// <summary>common_lb_config.locality_weighted_lb_config: pick a locality by weight × health first.</summary>
    public bool LocalityWeighted { get; init; }
}

/// <summary>Envoy's circuit breaker thresholds: per cluster, per proxy.</summary>
public sealed record CircuitBreakerLimits(uint MaxConnections, uint MaxPendingRequests, uint MaxRequests, uint MaxRetries)
{
    /// <summary>Envoy's defaults for a cluster without circuit_breakers (Istio always sends uint-max instead).</summary>
    public static readonly CircuitBreakerLimits EnvoyDefault = new(1024, 1024, 1024, 3);
}

/// <summary>
/// outlier_detection's consecutive-error detectors. A threshold of 0 or an enforcing percentage of 0
/// disables that detector; enforcing between 1 and 99 is drawn per ejection as Envoy does.
/// </summary>
public sealed record OutlierPolicy(
    uint Consecutive5xx,
    uint Enforcing5xx,
    uint ConsecutiveGatewayFailure,
    uint EnforcingGatewayFailure,
    TimeSpan Interval,
    TimeSpan BaseEjectionTime,
    uint MaxEjectionPercent);

public enum EndpointHealth { Unknown, Healthy, Unhealthy, Draining, Timeout, Degraded }

public sealed record EndpointSnapshot(string Address, int Port, EndpointHealth Health, uint Weight, uint Priority, string Locality)
{
    /// <summary>Istio's endpoint metadata: who serves at this address, for the destination labels of metrics.</summary>
    public WorkloadMetadata? Workload { get; init; }

    /// <summary>The load_balancing_weight of the endpoint's locality (0 = none: no share under locality-weighted balancing).</summary>
    public uint LocalityWeight { get; init; }

    /// <summary>Envoy routes to HEALTHY and UNKNOWN hosts (UNKNOWN: no health checking configured).</summary>
    public bool IsRoutable => Health is EndpointHealth.Healthy or EndpointHealth.Unknown;
}

public sealed record EndpointSet(string ClusterName, ImmutableArray<EndpointSnapshot> Endpoints);

/// <param name="RouteConfigName">The RDS name its HttpConnectionManager routes by; null if the listener is not HTTP.</param>
public sealed record ListenerSnapshot(string Name, string Address, uint Port, string? RouteConfigName)
{
    /// <summary>The tcp_proxy filter's cluster: connections to this address and port go whole to it.</summary>
    public string? TcpCluster { get; init; }

    /// <summary>filter_chain_match.prefix_ranges: the destinations this listener takes (a service's CIDR); null = its address only.</summary>
    public System.Net.IPNetwork? PrefixRange { get; init; }
}
