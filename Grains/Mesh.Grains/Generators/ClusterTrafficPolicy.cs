using Envoy.Config.Cluster.V3;
using Envoy.Extensions.Upstreams.Http.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Api.Model;
using CoreHttpOptions = Envoy.Config.Core.V3.HttpProtocolOptions;
using EnvoyOutlier = Envoy.Config.Cluster.V3.OutlierDetection;
using EnvoyPercent = Envoy.Type.V3.Percent;
using ModelOutlier = Mesh.Api.Model.OutlierDetection;

namespace Mesh.Grains.Generators;

/// <summary>Applies an effective DestinationRule traffic policy to a cluster, the way istiod does.</summary>
internal static class ClusterTrafficPolicy
{
    public const string HttpProtocolOptionsKey = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    // Istio's mesh default connect timeout.
    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    // Envoy's own default ring size; Istio sends it explicitly.
    private const ulong DefaultMinimumRingSize = 1024;

    public static void Apply(Cluster cluster, TrafficPolicy? policy, ServicePort port)
    {
        ApplyConnectionPool(cluster, policy?.ConnectionPool, port);
        ApplyOutlierDetection(cluster, policy?.OutlierDetection);
        ApplyLoadBalancer(cluster, policy?.LoadBalancer);
        // As istiod: locality weights count once locality load balancing acts on the cluster (the
        // per-proxy assignments of LocalityAssignment carry them).
        if (cluster.Type != Cluster.Types.DiscoveryType.OriginalDst && LocalityPolicies.LocalityWeighted(policy))
            (cluster.CommonLbConfig ??= new()).LocalityWeightedLbConfig = new();
    }

    private static void ApplyConnectionPool(Cluster cluster, ConnectionPoolSettings? pool, ServicePort port)
    {
        cluster.ConnectTimeout = Protos.Duration(pool?.Tcp?.ConnectTimeout ?? DefaultConnectTimeout);

        // Envoy's defaults (1024 connections, 3 retries...) throttle busy services; Istio lifts them all.
        var thresholds = new CircuitBreakers.Types.Thresholds
        {
            MaxConnections = uint.MaxValue,
            MaxPendingRequests = uint.MaxValue,
            MaxRequests = uint.MaxValue,
            MaxRetries = uint.MaxValue,
            TrackRemaining = true,
        };
        if (pool?.Tcp?.MaxConnections is > 0 and var connections) thresholds.MaxConnections = (uint)connections;
        if (pool?.Http?.Http1MaxPendingRequests is > 0 and var pending) thresholds.MaxPendingRequests = (uint)pending;
        if (pool?.Http?.Http2MaxRequests is > 0 and var requests) thresholds.MaxRequests = (uint)requests;
        if (pool?.Http?.MaxRetries is > 0 and var retries) thresholds.MaxRetries = (uint)retries;
        cluster.CircuitBreakers = new CircuitBreakers { Thresholds = { thresholds } };

        var options = HttpOptions(pool?.Http, port);
        if (options is not null) cluster.TypedExtensionProtocolOptions[HttpProtocolOptionsKey] = Any.Pack(options);
    }

    /// <summary>
    /// Upstream HTTP settings go in the typed extension options (the cluster-level fields are deprecated).
    /// Envoy requires the upstream protocol to be chosen whenever the extension is present.
    /// </summary>
    private static HttpProtocolOptions? HttpOptions(HttpSettings? http, ServicePort port)
    {
        CoreHttpOptions? common = null;
        if (http?.IdleTimeout is { } idle) (common ??= new()).IdleTimeout = Protos.Duration(idle);
        if (http?.MaxRequestsPerConnection is > 0 and var perConnection) (common ??= new()).MaxRequestsPerConnection = (uint)perConnection;

        var http2 = IsHttp2(port.Protocol);
        if (common is null && !http2) return null;
        var explicitConfig = new HttpProtocolOptions.Types.ExplicitHttpConfig();
        if (http2) explicitConfig.Http2ProtocolOptions = new();
        else explicitConfig.HttpProtocolOptions = new();
        return new HttpProtocolOptions { CommonHttpProtocolOptions = common, ExplicitHttpConfig = explicitConfig };
    }

    private static bool IsHttp2(string protocol) =>
        protocol.ToUpperInvariant() is "HTTP2" or "GRPC" or "GRPC-WEB";

    private static void ApplyOutlierDetection(Cluster cluster, ModelOutlier? outlier)
    {
        if (outlier is null) return;
        // Success-rate ejection needs traffic volumes a mesh service rarely has; Istio turns it off.
        var detection = new EnvoyOutlier { EnforcingSuccessRate = 0 };
        if (outlier.Consecutive5xxErrors is { } fiveXx)
        {
            detection.Consecutive5Xx = (uint)Math.Max(fiveXx, 0);
            detection.EnforcingConsecutive5Xx = fiveXx > 0 ? 100u : 0u;
        }
        if (outlier.ConsecutiveGatewayErrors is { } gateway)
        {
            detection.ConsecutiveGatewayFailure = (uint)Math.Max(gateway, 0);
            detection.EnforcingConsecutiveGatewayFailure = gateway > 0 ? 100u : 0u;
        }
        // Configuring only one kind must not leave Envoy's default enforcement of the other on.
        if (outlier.ConsecutiveGatewayErrors is not null && outlier.Consecutive5xxErrors is null) detection.EnforcingConsecutive5Xx = 0;
        if (outlier.Consecutive5xxErrors is not null && outlier.ConsecutiveGatewayErrors is null) detection.EnforcingConsecutiveGatewayFailure = 0;
        if (outlier.Interval is { } interval) detection.Interval = Protos.Duration(interval);
        if (outlier.BaseEjectionTime is { } ejection) detection.BaseEjectionTime = Protos.Duration(ejection);
        if (outlier.MaxEjectionPercent is > 0 and var maxPercent) detection.MaxEjectionPercent = (uint)maxPercent;
        cluster.OutlierDetection = detection;

        // Envoy's 50% panic threshold would route to ejected hosts in small services; Istio defaults it to 0.
        cluster.CommonLbConfig = new Cluster.Types.CommonLbConfig
        {
            HealthyPanicThreshold = new EnvoyPercent { Value = Math.Clamp(outlier.MinHealthPercent ?? 0, 0, 100) },
        };
    }

    private static void ApplyLoadBalancer(Cluster cluster, LoadBalancerSettings? lb)
    {
        if (cluster.Type == Cluster.Types.DiscoveryType.OriginalDst)
        {
            cluster.LbPolicy = Cluster.Types.LbPolicy.ClusterProvided;
            return;
        }
        if (lb?.ConsistentHash is { } hash)
        {
            // The hash key itself is per request: RouteGenerator puts it in the route's hash_policy.
            cluster.LbPolicy = Cluster.Types.LbPolicy.RingHash;
            cluster.RingHashLbConfig = new Cluster.Types.RingHashLbConfig
            {
                MinimumRingSize = hash.MinimumRingSize is > 0 and var size ? size : DefaultMinimumRingSize,
            };
            return;
        }
        cluster.LbPolicy = lb?.Simple switch
        {
            SimpleLoadBalancer.LeastRequest => Cluster.Types.LbPolicy.LeastRequest,
            SimpleLoadBalancer.Random => Cluster.Types.LbPolicy.Random,
            _ => Cluster.Types.LbPolicy.RoundRobin,
        };
    }
}
