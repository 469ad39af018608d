using System.Collections.Immutable;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using HttpProtocolOptions = Envoy.Extensions.Upstreams.Http.V3.HttpProtocolOptions;

namespace Mesh.Proxy.Configuration;

/// <summary>CDS and EDS resources to their snapshot records. Pure: throws TranslationException on what it cannot apply.</summary>
public static class ClusterTranslator
{
    public const string HttpProtocolOptionsKey = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    // Envoy's default connect_timeout.
    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    public static ClusterSnapshot Translate(Cluster cluster)
    {
        var where = $"Cluster \"{cluster.Name}\"";
        if (cluster.ClusterDiscoveryTypeCase == Cluster.ClusterDiscoveryTypeOneofCase.ClusterType)
            throw new TranslationException($"{where}: cluster_type {cluster.ClusterType.Name}: custom cluster types are not supported");

        string? edsService = null;
        var inline = ImmutableArray<EndpointSnapshot>.Empty;
        switch (cluster.Type)
        {
            case Cluster.Types.DiscoveryType.Eds:
                edsService = string.IsNullOrEmpty(cluster.EdsClusterConfig?.ServiceName) ? cluster.Name : cluster.EdsClusterConfig.ServiceName;
                break;
            case Cluster.Types.DiscoveryType.Static or Cluster.Types.DiscoveryType.StrictDns or Cluster.Types.DiscoveryType.LogicalDns:
                // DNS names stay names: the forwarder's connection pool resolves them per connection.
                if (cluster.LoadAssignment is { } assignment) inline = Endpoints(assignment, $"{where}: load_assignment");
                break;
            default:
                throw new TranslationException($"{where}: type {cluster.Type}: only EDS, STATIC, STRICT_DNS and LOGICAL_DNS clusters are supported");
        }

        var policy = cluster.LbPolicy switch
        {
            Cluster.Types.LbPolicy.RoundRobin => LoadBalancerKind.RoundRobin,
            Cluster.Types.LbPolicy.LeastRequest => LoadBalancerKind.LeastRequest,
            Cluster.Types.LbPolicy.Random => LoadBalancerKind.Random,
            Cluster.Types.LbPolicy.RingHash => LoadBalancerKind.RingHash,
            Cluster.Types.LbPolicy.Maglev => LoadBalancerKind.Maglev,
            var other => throw new TranslationException($"{where}: lb_policy {other}: not supported"),
        };

        var timeout = cluster.ConnectTimeout is { } t ? t.ToTimeSpan() : DefaultConnectTimeout;
        return new ClusterSnapshot(cluster.Name, edsService, policy, Protocol(cluster, where), timeout, inline) 
        {
            Ring = Ring(cluster.RingHashLbConfig),
            Limits = Limits(cluster.CircuitBreakers),
            Outlier = Outlier(cluster.OutlierDetection),
            HealthyPanicThreshold = PanicThreshold(cluster.CommonLbConfig, where),
            LocalityWeighted = cluster.CommonLbConfig?.LocalityWeightedLbConfig is not null,
        };
    }

    private static CircuitBreakerLimits Limits(CircuitBreakers? breakers)
    {
        var d = CircuitBreakerLimits.EnvoyDefault;
        // Only DEFAULT priority routes exist here; HIGH thresholds would apply to no request.
        var t = breakers?.Thresholds.FirstOrDefault(x => x.Priority == Envoy.Config.Core.V3.RoutingPriority.Default);
        if (t is null) return d;
        return new CircuitBreakerLimits(
            t.MaxConnections ?? d.MaxConnections, t.MaxPendingRequests ?? d.MaxPendingRequests,
            t.MaxRequests ?? d.MaxRequests, t.MaxRetries ?? d.MaxRetries);
    }

    private static OutlierPolicy? Outlier(OutlierDetection? o)
    {
        if (o is null) return null;
        // Envoy's defaults: 5 consecutive 5xx enforced 100%, gateway failures 5 enforced 0%, 10 s, 30 s, 10%.
        return new OutlierPolicy(
            o.Consecutive5Xx ?? 5, o.EnforcingConsecutive5Xx ?? 100,
            o.ConsecutiveGatewayFailure ?? 5, o.EnforcingConsecutiveGatewayFailure ?? 0,
            o.Interval is { } i ? i.ToTimeSpan() : TimeSpan.FromSeconds(10),
            o.BaseEjectionTime is { } b ? b.ToTimeSpan() : TimeSpan.FromSeconds(30),
            Math.Min(o.MaxEjectionPercent ?? 10, 100));
    }

    private static double PanicThreshold(Cluster.Types.CommonLbConfig? config, string where)
    {
        if (config?.HealthyPanicThreshold is not { } percent) return 50; // Envoy's default
        if (percent.Value is < 0 or > 100 || double.IsNaN(percent.Value))
            throw new TranslationException($"{where}: common_lb_config.healthy_panic_threshold: {percent.Value} is not a percentage in [0, 100]");
        return percent.Value;
    }

    private static RingSizes Ring(Cluster.Types.RingHashLbConfig? config)
    {
        if (config is null) return RingSizes.Default;
        var min = config.MinimumRingSize ?? RingSizes.Default.Minimum;
        var max = config.MaximumRingSize ?? RingSizes.Default.Maximum;
        // Envoy's own limit; a larger ring would only cost memory per endpoint change.
        const ulong cap = 8 * 1024 * 1024;
        return new RingSizes(Math.Clamp(min, 1, cap), Math.Clamp(Math.Max(min, max), 1, cap));
    }

    public static EndpointSet Translate(ClusterLoadAssignment assignment) =>
        new(assignment.ClusterName, Endpoints(assignment, $"ClusterLoadAssignment \"{assignment.ClusterName}\""));

    private static UpstreamProtocol Protocol(Cluster cluster, string where)
    {
        if (!cluster.TypedExtensionProtocolOptions.TryGetValue(HttpProtocolOptionsKey, out var any)) return UpstreamProtocol.Http11;
        if (!any.TryUnpack<HttpProtocolOptions>(out var options))
            throw new TranslationException($"{where}: typed_extension_protocol_options[\"{HttpProtocolOptionsKey}\"]: expected {HttpProtocolOptions.Descriptor.FullName}, got {any.TypeUrl}");
        return options.ExplicitHttpConfig?.Http2ProtocolOptions is not null ? UpstreamProtocol.Http2 : UpstreamProtocol.Http11;
    }

    // Metadata this proxy does not understand is ignored, as Envoy ignores metadata no filter reads.
    private static WorkloadMetadata? Workload(Envoy.Config.Core.V3.Metadata? metadata) =>
        metadata is not null && metadata.FilterMetadata.TryGetValue(WorkloadMetadata.FilterKey, out var istio)
        && istio.Fields.TryGetValue(WorkloadMetadata.Field, out var value)
        && value.KindCase == Google.Protobuf.WellKnownTypes.Value.KindOneofCase.StringValue
            ? WorkloadMetadata.Parse(value.StringValue)
            : null;

    private static ImmutableArray<EndpointSnapshot> Endpoints(ClusterLoadAssignment assignment, string where)
    {
        var result = ImmutableArray.CreateBuilder<EndpointSnapshot>();
        for (var i = 0; i < assignment.Endpoints.Count; i++)
        {
            var group = assignment.Endpoints[i];
            var locality = group.Locality is { } l ? $"{l.Region}/{l.Zone}/{l.SubZone}" : "//";
            for (var j = 0; j < group.LbEndpoints.Count; j++)
            {
                var lb = group.LbEndpoints[j];
                var socket = lb.Endpoint?.Address?.SocketAddress;
                if (socket is null || string.IsNullOrEmpty(socket.Address))
                    throw new TranslationException($"{where}: endpoints[{i}].lb_endpoints[{j}].endpoint.address.socket_address: required (pipes and named ports are not supported)");
                if (socket.PortSpecifierCase != Envoy.Config.Core.V3.SocketAddress.PortSpecifierOneofCase.PortValue || socket.PortValue is 0 or > 65535)
                    throw new TranslationException($"{where}: endpoints[{i}].lb_endpoints[{j}].endpoint.address.socket_address.port_value: a port in 1..65535 is required");
                var weight = lb.LoadBalancingWeight ?? 1;
                result.Add(new EndpointSnapshot(socket.Address, (int)socket.PortValue, (EndpointHealth)(int)lb.HealthStatus, weight, group.Priority, locality)
                {
                    Workload = Workload(lb.Metadata),
                    LocalityWeight = group.LoadBalancingWeight ?? 0,
                });
            }
        }
        return result.ToImmutable();
    }
}
