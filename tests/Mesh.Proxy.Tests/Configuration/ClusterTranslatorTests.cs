using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Proxy.Configuration;
using Filter = Envoy.Config.Listener.V3.Filter;
using Http = Envoy.Extensions.Upstreams.Http.V3.HttpProtocolOptions;

namespace Mesh.Proxy.Tests.Configuration;

public sealed class ClusterTranslatorTests
{
    [Theory]
    [InlineData("", "outbound|8080|v1|echo")]
    [InlineData("eds-name", "eds-name")]
    public void Translate_EdsCluster_UsesServiceNameElseClusterName(string serviceName, string expected)
    {
        var cluster = new Cluster
        {
            Name = "outbound|8080|v1|echo",
            Type = Cluster.Types.DiscoveryType.Eds,
            EdsClusterConfig = new Cluster.Types.EdsClusterConfig { ServiceName = serviceName },
        };

        Assert.Equal(expected, ClusterTranslator.Translate(cluster).EdsServiceName);
    }

    [Theory]
    [InlineData(Cluster.Types.LbPolicy.RoundRobin, LoadBalancerKind.RoundRobin)]
    [InlineData(Cluster.Types.LbPolicy.LeastRequest, LoadBalancerKind.LeastRequest)]
    [InlineData(Cluster.Types.LbPolicy.Random, LoadBalancerKind.Random)]
    [InlineData(Cluster.Types.LbPolicy.RingHash, LoadBalancerKind.RingHash)]
    public void Translate_LbPolicy_Maps(Cluster.Types.LbPolicy policy, LoadBalancerKind expected)
    {
        var cluster = new Cluster { Name = "c", Type = Cluster.Types.DiscoveryType.Eds, LbPolicy = policy };

        Assert.Equal(expected, ClusterTranslator.Translate(cluster).LoadBalancing);
    }

    [Theory]
    [InlineData(null, null, 1024UL, 8388608UL)]
    [InlineData(2048UL, null, 2048UL, 8388608UL)]
    [InlineData(4096UL, 1024UL, 4096UL, 4096UL)] // a maximum under the minimum is raised to it
    [InlineData(1UL << 30, null, 8388608UL, 8388608UL)] // capped at Envoy's 8M
    public void Translate_RingHashLbConfig_RingSizes(ulong? minimum, ulong? maximum, ulong expectedMinimum, ulong expectedMaximum)
    {
        var config = new Cluster.Types.RingHashLbConfig();
        if (minimum is { } min) config.MinimumRingSize = min;
        if (maximum is { } max) config.MaximumRingSize = max;
        var cluster = new Cluster { Name = "c", Type = Cluster.Types.DiscoveryType.Eds, LbPolicy = Cluster.Types.LbPolicy.RingHash, RingHashLbConfig = config };

        Assert.Equal(new RingSizes(expectedMinimum, expectedMaximum), ClusterTranslator.Translate(cluster).Ring);
    }

    [Theory]
    [InlineData(null, 50.0)]
    [InlineData(0.0, 0.0)]
    [InlineData(25.5, 25.5)]
    public void Translate_HealthyPanicThreshold_AbsentIsEnvoysFifty(double? threshold, double expected)
    {
        var cluster = new Cluster { Name = "c", Type = Cluster.Types.DiscoveryType.Eds };
        if (threshold is { } t) cluster.CommonLbConfig = new Cluster.Types.CommonLbConfig { HealthyPanicThreshold = new Envoy.Type.V3.Percent { Value = t } };

        Assert.Equal(expected, ClusterTranslator.Translate(cluster).HealthyPanicThreshold);
    }

    [Fact]
    public void Translate_HealthyPanicThresholdOver100_Throws()
    {
        var cluster = new Cluster
        {
            Name = "c",
            Type = Cluster.Types.DiscoveryType.Eds,
            CommonLbConfig = new Cluster.Types.CommonLbConfig { HealthyPanicThreshold = new Envoy.Type.V3.Percent { Value = 101 } },
        };

        Assert.Contains("healthy_panic_threshold", Assert.Throws<TranslationException>(() => ClusterTranslator.Translate(cluster)).Message);
    }

    [Fact]
    public void Translate_LocalityWeightedLbConfig_MarksCluster()
    {
        var plain = new Cluster { Name = "c", Type = Cluster.Types.DiscoveryType.Eds };
        var weighted = plain.Clone();
        weighted.CommonLbConfig = new Cluster.Types.CommonLbConfig { LocalityWeightedLbConfig = new() };

        Assert.False(ClusterTranslator.Translate(plain).LocalityWeighted);
        Assert.True(ClusterTranslator.Translate(weighted).LocalityWeighted);
    }

    [Fact]
    public void Translate_LoadAssignment_CarriesPriorityAndLocalityWeight()
    {
        var assignment = new ClusterLoadAssignment { ClusterName = "c" };
        assignment.Endpoints.Add(new LocalityLbEndpoints
        {
            Locality = new Locality { Region = "us-west", Zone = "b" },
            Priority = 2,
            LoadBalancingWeight = 30,
            LbEndpoints = { new LbEndpoint { Endpoint = new Endpoint { Address = new Address { SocketAddress = new SocketAddress { Address = "10.0.0.1", PortValue = 80 } } } } },
        });

        var endpoint = Assert.Single(ClusterTranslator.Translate(assignment).Endpoints);

        Assert.Equal((2u, 30u, "us-west/b/"), (endpoint.Priority, endpoint.LocalityWeight, endpoint.Locality));
    }

    [Fact]
    public void Translate_CircuitBreakers_DefaultPriorityThresholds()
    {
        var cluster = new Cluster { Name = "c", Type = Cluster.Types.DiscoveryType.Eds, CircuitBreakers = new CircuitBreakers() };
        cluster.CircuitBreakers.Thresholds.Add(new CircuitBreakers.Types.Thresholds { Priority = RoutingPriority.High, MaxRequests = 7 });
        cluster.CircuitBreakers.Thresholds.Add(new CircuitBreakers.Types.Thresholds { MaxConnections = 1, MaxPendingRequests = 2, MaxRequests = uint.MaxValue });

        Assert.Equal(new CircuitBreakerLimits(1, 2, uint.MaxValue, 3), ClusterTranslator.Translate(cluster).Limits);
    }

    [Fact]
    public void Translate_NoCircuitBreakers_EnvoyDefaults()
    {
        var result = ClusterTranslator.Translate(new Cluster { Name = "c", Type = Cluster.Types.DiscoveryType.Eds });

        Assert.Equal(CircuitBreakerLimits.EnvoyDefault, result.Limits);
        Assert.Null(result.Outlier);
    }

    [Fact]
    public void Translate_OutlierDetection_FieldsAndEnvoyDefaults()
    {
        var cluster = new Cluster
        {
            Name = "c",
            Type = Cluster.Types.DiscoveryType.Eds,
            OutlierDetection = new OutlierDetection { Consecutive5Xx = 2, EnforcingConsecutive5Xx = 100, Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)), BaseEjectionTime = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1500)) },
        };

        Assert.Equal(new OutlierPolicy(2, 100, 5, 0, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1500), 10), ClusterTranslator.Translate(cluster).Outlier);
    }

    [Fact]
    public void Translate_ExplicitHttp2_UsesH2c()
    {
        var cluster = new Cluster { Name = "grpc", Type = Cluster.Types.DiscoveryType.Eds };
        var options = new Http { ExplicitHttpConfig = new Http.Types.ExplicitHttpConfig { Http2ProtocolOptions = new Http2ProtocolOptions() } };
        cluster.TypedExtensionProtocolOptions[ClusterTranslator.HttpProtocolOptionsKey] = Any.Pack(options);

        Assert.Equal(UpstreamProtocol.Http2, ClusterTranslator.Translate(cluster).Protocol);
    }

    [Fact]
    public void Translate_StaticCluster_KeepsInlineEndpoints()
    {
        var cluster = new Cluster { Name = "s", Type = Cluster.Types.DiscoveryType.Static, LoadAssignment = Assignment("s", ("10.0.0.1", 80, HealthStatus.Healthy)) };

        var result = ClusterTranslator.Translate(cluster);

        Assert.Null(result.EdsServiceName);
        Assert.Equal(new EndpointSnapshot("10.0.0.1", 80, EndpointHealth.Healthy, 1, 0, "//"), Assert.Single(result.InlineEndpoints));
    }

    [Fact]
    public void Translate_OriginalDst_ThrowsNamingClusterAndField()
    {
        var error = Assert.Throws<TranslationException>(() => ClusterTranslator.Translate(new Cluster { Name = "passthrough", Type = Cluster.Types.DiscoveryType.OriginalDst }));

        Assert.StartsWith("Cluster \"passthrough\": type OriginalDst:", error.Message);
    }

    [Theory]
    [InlineData(HealthStatus.Unknown, true)]
    [InlineData(HealthStatus.Healthy, true)]
    [InlineData(HealthStatus.Unhealthy, false)]
    [InlineData(HealthStatus.Draining, false)]
    [InlineData(HealthStatus.Timeout, false)]
    [InlineData(HealthStatus.Degraded, false)]
    public void Translate_EdsHealth_OnlyHealthyAndUnknownRoutable(HealthStatus health, bool routable)
    {
        var set = ClusterTranslator.Translate(Assignment("c", ("127.0.0.1", 8080, health)));

        Assert.Equal(routable, Assert.Single(set.Endpoints).IsRoutable);
    }

    [Theory]
    [InlineData("reviews-v2;shop;reviews;v2;east", "reviews-v2", "shop", "reviews", "v2", "east")]
    [InlineData(";;reviews;;", "", "", "reviews", "", "")]
    public void Translate_IstioWorkloadMetadata_ParsedOntoEndpoint(string encoded, string name, string ns, string canonical, string revision, string cluster)
    {
        var assignment = Assignment("c", ("127.0.0.1", 8080, HealthStatus.Healthy));
        assignment.Endpoints[0].LbEndpoints[0].Metadata = IstioMetadata(encoded);

        var endpoint = Assert.Single(ClusterTranslator.Translate(assignment).Endpoints);

        Assert.Equal(new WorkloadMetadata(name, ns, canonical, revision, cluster), endpoint.Workload);
    }

    [Theory]
    [InlineData("a;b;c;d")]
    [InlineData("")]
    public void Translate_MalformedWorkloadMetadata_IgnoredAsIstioProxy(string encoded)
    {
        var assignment = Assignment("c", ("127.0.0.1", 8080, HealthStatus.Healthy));
        assignment.Endpoints[0].LbEndpoints[0].Metadata = IstioMetadata(encoded);

        Assert.Null(Assert.Single(ClusterTranslator.Translate(assignment).Endpoints).Workload);
    }

    private static Metadata IstioMetadata(string encoded)
    {
        var istio = new Struct();
        istio.Fields.Add("workload", Value.ForString(encoded));
        var metadata = new Metadata();
        metadata.FilterMetadata.Add("istio", istio);
        return metadata;
    }

    [Fact]
    public void Translate_EndpointWithoutPort_ThrowsNamingField()
    {
        var assignment = Assignment("c", ("127.0.0.1", 0, HealthStatus.Healthy));

        var error = Assert.Throws<TranslationException>(() => ClusterTranslator.Translate(assignment));

        Assert.Equal("ClusterLoadAssignment \"c\": endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: a port in 1..65535 is required", error.Message);
    }

    [Fact]
    public void ListenerTranslate_SidecarListener_ReadsRdsName()
    {
        var listener = SidecarListener("0.0.0.0_8080", new HttpConnectionManager { Rds = new Rds { RouteConfigName = "8080" } });

        Assert.Equal(new ListenerSnapshot("0.0.0.0_8080", "0.0.0.0", 8080, "8080"), ListenerTranslator.Translate(listener));
    }

    [Fact]
    public void ListenerTranslate_ApiListener_IsNotServed()
    {
        var listener = new Listener { Name = "echo:8080", ApiListener = new ApiListener { ApiListener_ = Any.Pack(new HttpConnectionManager()) } };

        Assert.Null(ListenerTranslator.Translate(listener));
    }

    [Fact]
    public void ListenerTranslate_InlineRouteConfig_ThrowsNamingField()
    {
        var listener = SidecarListener("0.0.0.0_80", new HttpConnectionManager { RouteConfig = new Envoy.Config.Route.V3.RouteConfiguration() });

        var error = Assert.Throws<TranslationException>(() => ListenerTranslator.Translate(listener));

        Assert.Equal("Listener \"0.0.0.0_80\": filter_chains[0].filters[0] (envoy.filters.network.http_connection_manager): route_config: only rds is supported", error.Message);
    }

    private static Listener SidecarListener(string name, HttpConnectionManager manager) => new()
    {
        Name = name,
        Address = new Address { SocketAddress = new SocketAddress { Address = "0.0.0.0", PortValue = uint.Parse(name.Split('_')[1]) } },
        FilterChains = { new FilterChain { Filters = { new Filter { Name = ListenerTranslator.HttpConnectionManagerFilter, TypedConfig = Any.Pack(manager) } } } },
    };

    internal static ClusterLoadAssignment Assignment(string name, params (string Address, int Port, HealthStatus Health)[] endpoints)
    {
        var group = new LocalityLbEndpoints();
        foreach (var (address, port, health) in endpoints)
        {
            group.LbEndpoints.Add(new LbEndpoint
            {
                HealthStatus = health,
                Endpoint = new Endpoint { Address = new Address { SocketAddress = new SocketAddress { Address = address, PortValue = (uint)port } } },
            });
        }
        return new ClusterLoadAssignment { ClusterName = name, Endpoints = { group } };
    }
}
