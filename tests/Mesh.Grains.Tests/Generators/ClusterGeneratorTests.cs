using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using UpstreamHttpOptions = Envoy.Extensions.Upstreams.Http.V3.HttpProtocolOptions;
using Mesh.Api.Model;
using Mesh.Grains.Generators;
using static Mesh.Grains.Tests.Generators.Fixtures;
using Duration = Google.Protobuf.WellKnownTypes.Duration;
using OutlierDetection = Mesh.Api.Model.OutlierDetection;

namespace Mesh.Grains.Tests.Generators;

public class ClusterGeneratorTests
{
    private static Cluster Only(ServiceView view) => Assert.Single(ClusterGenerator.Build(view));

    [Fact]
    public void Build_PortsAndSubsets_OneClusterPerPortThenPerSubset()
    {
        var view = View(Service(ports: [HttpPort, GrpcPort]), rule: Rule(null, Subset("v1", "version=v1"), Subset("v2", "version=v2")));

        var names = ClusterGenerator.Build(view).Select(c => c.Name);

        Assert.Equal(
        [
            $"outbound|9080||{Host}", $"outbound|9080|v1|{Host}", $"outbound|9080|v2|{Host}",
            $"outbound|7070||{Host}", $"outbound|7070|v1|{Host}", $"outbound|7070|v2|{Host}",
        ], names);
    }

    [Theory]
    [InlineData(ServiceResolution.Static)]
    [InlineData(ServiceResolution.None)]
    public void Build_StaticOrNoneResolution_EdsOverAdsNamedAfterCluster(ServiceResolution resolution)
    {
        var cluster = Only(View(Service(resolution)));

        Assert.Equal(Cluster.Types.DiscoveryType.Eds, cluster.Type);
        Assert.Equal(new Cluster.Types.EdsClusterConfig
        {
            EdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
            ServiceName = cluster.Name,
        }, cluster.EdsClusterConfig);
        Assert.Null(cluster.LoadAssignment);
    }

    [Fact]
    public void Build_NoRule_IstioDefaults()
    {
        var cluster = Only(View());

        Assert.Equal(Duration.FromTimeSpan(TimeSpan.FromSeconds(10)), cluster.ConnectTimeout);
        Assert.Equal(Cluster.Types.LbPolicy.RoundRobin, cluster.LbPolicy);
        Assert.Equal(new CircuitBreakers.Types.Thresholds
        {
            MaxConnections = uint.MaxValue, MaxPendingRequests = uint.MaxValue, MaxRequests = uint.MaxValue,
            MaxRetries = uint.MaxValue, TrackRemaining = true,
        }, Assert.Single(cluster.CircuitBreakers.Thresholds));
        Assert.Null(cluster.OutlierDetection);
        Assert.Empty(cluster.TypedExtensionProtocolOptions);
    }

    [Fact]
    public void Build_DnsResolution_StrictDnsWithInlineAssignment()
    {
        var view = View(Service(ServiceResolution.Dns), [Endpoint("b.example.com"), Endpoint("a.example.com")]);

        var cluster = Only(view);

        Assert.Equal(Cluster.Types.DiscoveryType.StrictDns, cluster.Type);
        Assert.Null(cluster.EdsClusterConfig);
        Assert.True(cluster.RespectDnsTtl);
        Assert.Equal(cluster.Name, cluster.LoadAssignment.ClusterName);
        Assert.Equal(["a.example.com", "b.example.com"],
            cluster.LoadAssignment.Endpoints.SelectMany(l => l.LbEndpoints).Select(e => e.Endpoint.Address.SocketAddress.Address));
    }

    [Fact]
    public void Build_DnsRoundRobin_LogicalDnsWithOneEndpoint()
    {
        var view = View(Service(ServiceResolution.DnsRoundRobin), [Endpoint("b.example.com"), Endpoint("a.example.com")]);

        var cluster = Only(view);

        Assert.Equal(Cluster.Types.DiscoveryType.LogicalDns, cluster.Type);
        var endpoint = Assert.Single(Assert.Single(cluster.LoadAssignment.Endpoints).LbEndpoints);
        Assert.Equal("a.example.com", endpoint.Endpoint.Address.SocketAddress.Address);
    }

    [Fact]
    public void Build_DnsWithoutEndpoints_ResolvesServiceHost()
    {
        var cluster = Only(View(Service(ServiceResolution.Dns, host: "api.example.com")));

        var endpoint = Assert.Single(Assert.Single(cluster.LoadAssignment.Endpoints).LbEndpoints).Endpoint.Address.SocketAddress;
        Assert.Equal(("api.example.com", 9080u), (endpoint.Address, endpoint.PortValue));
    }

    [Fact]
    public void Build_DnsSelectingNoWorkloads_HasNoEndpoints()
    {
        var cluster = Only(View(Service(ServiceResolution.Dns, host: "api.example.com") with { SelectsWorkloads = true }));

        Assert.Empty(cluster.LoadAssignment.Endpoints);
    }

    public static TheoryData<string, LoadBalancerSettings, Cluster.Types.LbPolicy, ulong?> LoadBalancers => new()
    {
        { "round robin", Simple(SimpleLoadBalancer.RoundRobin), Cluster.Types.LbPolicy.RoundRobin, null },
        { "least request", Simple(SimpleLoadBalancer.LeastRequest), Cluster.Types.LbPolicy.LeastRequest, null },
        { "random", Simple(SimpleLoadBalancer.Random), Cluster.Types.LbPolicy.Random, null },
        { "unspecified", Simple(SimpleLoadBalancer.Unspecified), Cluster.Types.LbPolicy.RoundRobin, null },
        { "hash, default ring", Hash(header: "x-user"), Cluster.Types.LbPolicy.RingHash, 1024ul },
        { "hash, sized ring", Hash(sourceIp: true, ringSize: 4096), Cluster.Types.LbPolicy.RingHash, 4096ul },
    };

    [Theory]
    [MemberData(nameof(LoadBalancers))]
    public void Build_LoadBalancer_MapsToEnvoyPolicy(string scenario, LoadBalancerSettings lb, Cluster.Types.LbPolicy policy, ulong? ringSize)
    {
        var cluster = Only(View(rule: Rule(Policy(lb))));

        Assert.True(policy == cluster.LbPolicy, scenario);
        Assert.Equal(ringSize, cluster.RingHashLbConfig?.MinimumRingSize);
    }

    [Fact]
    public void Build_Passthrough_OriginalDstClusterProvided()
    {
        var cluster = Only(View(rule: Rule(Policy(Simple(SimpleLoadBalancer.Passthrough)))));

        Assert.Equal(Cluster.Types.DiscoveryType.OriginalDst, cluster.Type);
        Assert.Equal(Cluster.Types.LbPolicy.ClusterProvided, cluster.LbPolicy);
        Assert.Null(cluster.EdsClusterConfig);
    }

    [Fact]
    public void Build_ConnectionPool_ThresholdsTimeoutAndHttpOptions()
    {
        var pool = new ConnectionPoolSettings(
            new TcpSettings(100, TimeSpan.FromMilliseconds(250)),
            new HttpSettings(10, 200, 5, 3, TimeSpan.FromSeconds(30)));

        var cluster = Only(View(rule: Rule(Policy(pool: pool))));

        Assert.Equal(Duration.FromTimeSpan(TimeSpan.FromMilliseconds(250)), cluster.ConnectTimeout);
        Assert.Equal(new CircuitBreakers.Types.Thresholds
        {
            MaxConnections = 100, MaxPendingRequests = 10, MaxRequests = 200, MaxRetries = 3, TrackRemaining = true,
        }, Assert.Single(cluster.CircuitBreakers.Thresholds));
        var options = cluster.TypedExtensionProtocolOptions[ClusterTrafficPolicy.HttpProtocolOptionsKey].Unpack<UpstreamHttpOptions>();
        Assert.Equal(new Envoy.Config.Core.V3.HttpProtocolOptions
        {
            IdleTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
            MaxRequestsPerConnection = 5,
        }, options.CommonHttpProtocolOptions);
        Assert.NotNull(options.ExplicitHttpConfig.HttpProtocolOptions);
    }

    [Fact]
    public void Build_GrpcPort_ExplicitHttp2()
    {
        var cluster = Only(View(Service(ports: [GrpcPort])));

        var options = cluster.TypedExtensionProtocolOptions[ClusterTrafficPolicy.HttpProtocolOptionsKey].Unpack<UpstreamHttpOptions>();
        Assert.Equal(new Http2ProtocolOptions(), options.ExplicitHttpConfig.Http2ProtocolOptions);
        Assert.Null(options.CommonHttpProtocolOptions);
    }

    public static TheoryData<string, OutlierDetection, Envoy.Config.Cluster.V3.OutlierDetection> Outliers => new()
    {
        {
            "5xx only",
            new OutlierDetection(7, null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), 50, null),
            new()
            {
                EnforcingSuccessRate = 0, Consecutive5Xx = 7, EnforcingConsecutive5Xx = 100, EnforcingConsecutiveGatewayFailure = 0,
                Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)), BaseEjectionTime = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
                MaxEjectionPercent = 50,
            }
        },
        {
            "gateway only",
            new OutlierDetection(null, 3, null, null, null, null),
            new()
            {
                EnforcingSuccessRate = 0, ConsecutiveGatewayFailure = 3, EnforcingConsecutiveGatewayFailure = 100, EnforcingConsecutive5Xx = 0,
            }
        },
        {
            "both, 5xx disabled with 0",
            new OutlierDetection(0, 4, null, null, null, null),
            new()
            {
                EnforcingSuccessRate = 0, Consecutive5Xx = 0, EnforcingConsecutive5Xx = 0,
                ConsecutiveGatewayFailure = 4, EnforcingConsecutiveGatewayFailure = 100,
            }
        },
    };

    [Theory]
    [MemberData(nameof(Outliers))]
    public void Build_OutlierDetection_IstioEnforcement(string scenario, OutlierDetection outlier, Envoy.Config.Cluster.V3.OutlierDetection expected)
    {
        var cluster = Only(View(rule: Rule(Policy(outlier: outlier))));

        Assert.True(expected.Equals(cluster.OutlierDetection), $"{scenario}: {cluster.OutlierDetection}");
        Assert.Equal(0, cluster.CommonLbConfig.HealthyPanicThreshold.Value);
    }

    [Fact]
    public void Build_PortLevelSettings_ReplaceTopLevelForThatPortOnly()
    {
        var portLevel = new PortTrafficPolicy(new PortSelector(7070), Simple(SimpleLoadBalancer.Random), null, null, null);
        var top = Policy(Simple(SimpleLoadBalancer.LeastRequest), outlier: new OutlierDetection(5, null, null, null, null, null), ports: portLevel);
        var view = View(Service(ports: [HttpPort, GrpcPort]), rule: Rule(top));

        var clusters = ClusterGenerator.Build(view).ToDictionary(c => c.Name);

        var http = clusters[$"outbound|9080||{Host}"];
        var grpc = clusters[$"outbound|7070||{Host}"];
        Assert.Equal((Cluster.Types.LbPolicy.LeastRequest, true), (http.LbPolicy, http.OutlierDetection is not null));
        // Port-level settings do not inherit: the top-level outlier detection is gone on 7070.
        Assert.Equal((Cluster.Types.LbPolicy.Random, false), (grpc.LbPolicy, grpc.OutlierDetection is not null));
    }

    [Fact]
    public void Build_SubsetPolicy_OverridesTopLevelFieldByField()
    {
        var top = Policy(Simple(SimpleLoadBalancer.LeastRequest), new ConnectionPoolSettings(new TcpSettings(10, null), null));
        var subsetPolicy = Policy(Simple(SimpleLoadBalancer.Random));
        var view = View(rule: Rule(top, Subset("v1", "version=v1", subsetPolicy), Subset("v2", "version=v2")));

        var clusters = ClusterGenerator.Build(view).ToDictionary(c => c.Name);

        var v1 = clusters[$"outbound|9080|v1|{Host}"];
        var v2 = clusters[$"outbound|9080|v2|{Host}"];
        Assert.Equal((Cluster.Types.LbPolicy.Random, 10u), (v1.LbPolicy, v1.CircuitBreakers.Thresholds[0].MaxConnections!.Value));
        Assert.Equal((Cluster.Types.LbPolicy.LeastRequest, 10u), (v2.LbPolicy, v2.CircuitBreakers.Thresholds[0].MaxConnections!.Value));
    }

    [Fact]
    public void Build_SubsetPortLevel_ReplacesEverythingForThatPort()
    {
        var top = Policy(Simple(SimpleLoadBalancer.LeastRequest), new ConnectionPoolSettings(new TcpSettings(10, null), null));
        var subsetPolicy = Policy(Simple(SimpleLoadBalancer.Random),
            ports: new PortTrafficPolicy(new PortSelector(9080), null, null, null, null));
        var view = View(rule: Rule(top, Subset("v1", "version=v1", subsetPolicy)));

        var v1 = ClusterGenerator.Build(view).Single(c => c.Name == $"outbound|9080|v1|{Host}");

        Assert.Equal((Cluster.Types.LbPolicy.RoundRobin, uint.MaxValue), (v1.LbPolicy, v1.CircuitBreakers.Thresholds[0].MaxConnections!.Value));
    }
}
