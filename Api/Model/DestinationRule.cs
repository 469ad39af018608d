namespace Mesh.Api.Model;

/// <summary>networking.istio.io DestinationRule.</summary>
public sealed record DestinationRule(ConfigMeta Meta, DestinationRuleSpec Spec) : ConfigObject(Meta);

public sealed record DestinationRuleSpec(
    string Host,
    TrafficPolicy? TrafficPolicy,
    IReadOnlyList<Subset> Subsets,
    IReadOnlyList<string> ExportTo);

public sealed record Subset(string Name, IReadOnlyDictionary<string, string> Labels, TrafficPolicy? TrafficPolicy);

public sealed record TrafficPolicy(
    LoadBalancerSettings? LoadBalancer,
    ConnectionPoolSettings? ConnectionPool,
    OutlierDetection? OutlierDetection,
    ClientTlsSettings? Tls,
    IReadOnlyList<PortTrafficPolicy> PortLevelSettings);

/// <summary>A traffic policy for one port; overrides the enclosing policy field by field.</summary>
public sealed record PortTrafficPolicy(
    PortSelector Port,
    LoadBalancerSettings? LoadBalancer,
    ConnectionPoolSettings? ConnectionPool,
    OutlierDetection? OutlierDetection,
    ClientTlsSettings? Tls);

public enum SimpleLoadBalancer { Unspecified, RoundRobin, LeastRequest, Random, Passthrough }

public sealed record LoadBalancerSettings(SimpleLoadBalancer? Simple, ConsistentHashSettings? ConsistentHash, LocalityLbSetting? LocalityLbSetting = null);

/// <summary>
/// Istio's LocalityLoadBalancerSetting. Localities are "region/zone/subzone"; distribute's from and
/// to may end in a "*" wildcard ("us-east/*"); failover names regions only. Enabled null = on (the
/// mesh default).
/// </summary>
public sealed record LocalityLbSetting(
    bool? Enabled,
    IReadOnlyList<LocalityDistribute> Distribute,
    IReadOnlyList<LocalityFailover> Failover,
    IReadOnlyList<string> FailoverPriority);

/// <summary>Traffic from proxies in From goes to the To localities by weight (percentages summing to 100).</summary>
public sealed record LocalityDistribute(string From, IReadOnlyDictionary<string, uint> To);

/// <summary>When the proxy's region From has no healthy endpoint, region To is tried before the others.</summary>
public sealed record LocalityFailover(string From, string To);

/// <summary>Exactly one hash key is set; MinimumRingSize sizes Envoy's ring.</summary>
public sealed record ConsistentHashSettings(
    string? HttpHeaderName,
    HttpCookie? HttpCookie,
    bool UseSourceIp,
    string? HttpQueryParameterName,
    ulong? MinimumRingSize);

public sealed record HttpCookie(string Name, string? Path, TimeSpan? Ttl);

public sealed record ConnectionPoolSettings(TcpSettings? Tcp, HttpSettings? Http);

public sealed record TcpSettings(int? MaxConnections, TimeSpan? ConnectTimeout);

public sealed record HttpSettings(
    int? Http1MaxPendingRequests,
    int? Http2MaxRequests,
    int? MaxRequestsPerConnection,
    int? MaxRetries,
    TimeSpan? IdleTimeout);

public sealed record OutlierDetection(
    int? Consecutive5xxErrors,
    int? ConsecutiveGatewayErrors,
    TimeSpan? Interval,
    TimeSpan? BaseEjectionTime,
    int? MaxEjectionPercent,
    int? MinHealthPercent);

public enum TlsMode { Disable, Simple, Mutual, IstioMutual }

public sealed record ClientTlsSettings(TlsMode Mode, string? Sni, IReadOnlyList<string> SubjectAltNames);
