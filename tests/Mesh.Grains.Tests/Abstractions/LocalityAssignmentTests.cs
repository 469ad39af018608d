using Envoy.Config.Cluster.V3;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Grains.Generators;
using static Mesh.Grains.Tests.Generators.Fixtures;
using OutlierDetection = Mesh.Api.Model.OutlierDetection;

namespace Mesh.Grains.Tests.Abstractions;

public sealed class LocalityAssignmentTests
{
    private static readonly OutlierDetection Outlier = new(1, null, null, null, 100, null);

    private static readonly MeshEndpoint[] Endpoints =
    [
        Endpoint("10.0.0.1", "net=n1", "us-east/a/s1"),
        Endpoint("10.0.0.2", "net=n2", "us-east/a/s2"),
        Endpoint("10.0.0.3", "net=n1", "us-east/b"),
        Endpoint("10.0.0.4", "net=n1", "us-west/c"),
        Endpoint("10.0.0.5", "net=n2", "eu-west/d"),
    ];

    private static LoadBalancerSettings Locality(
        bool? enabled = null, LocalityFailover[]? failover = null, string[]? priority = null, LocalityDistribute[]? distribute = null) =>
        new(null, null, new LocalityLbSetting(enabled, distribute ?? [], failover ?? [], priority ?? []));

    /// <summary>"address=priority" for every endpoint a proxy at the locality is served, in address order.</summary>
    private static string Served(TrafficPolicy policy, string proxyLocality, string proxyLabels = "")
    {
        var view = View(endpoints: Endpoints, rule: Rule(policy));
        var shared = Assert.Single(EndpointGenerator.Build(view));
        var localities = LocalityPolicies.Build(view);
        var served = localities.TryGetValue(shared.ClusterName, out var p)
            ? LocalityAssignment.Apply(shared, p, proxyLocality, Labels(proxyLabels))
            : shared;
        return string.Join(' ', served.Endpoints
            .SelectMany(g => g.LbEndpoints.Select(e => (e.Endpoint.Address.SocketAddress.Address, g.Priority)))
            .OrderBy(e => e.Address, StringComparer.Ordinal)
            .Select(e => $"{e.Address[^1]}={e.Priority}"));
    }

    [Theory]
    // Istio's applyLocalityFailover: subzone 0, zone 1, region 2, the rest 3.
    [InlineData("us-east/a/s1", "1=0 2=1 3=2 4=3 5=3")]
    [InlineData("us-east/b", "1=1 2=1 3=0 4=2 5=2")]
    [InlineData("us-west/c/x", "1=1 2=1 3=1 4=0 5=1")]
    // Priorities are squashed to consecutive numbers.
    [InlineData("ap-south/z", "1=0 2=0 3=0 4=0 5=0")]
    public void Apply_OutlierDetection_PrioritiesByProxyLocality(string proxy, string expected) =>
        Assert.Equal(expected, Served(Policy(outlier: Outlier), proxy));

    [Fact]
    public void Apply_FailoverRegion_TargetRegionBeforeOthers() =>
        Assert.Equal("1=1 2=1 3=1 4=0 5=2",
            Served(Policy(Locality(failover: [new LocalityFailover("us-west", "us-east"), new LocalityFailover("eu-west", "us-west")]), outlier: Outlier), "us-west/c"));

    [Fact]
    public void Apply_FailoverRuleForOtherRegion_Ignored() =>
        Assert.Equal("1=0 2=1 3=2 4=3 5=3",
            Served(Policy(Locality(failover: [new LocalityFailover("us-west", "eu-west")]), outlier: Outlier), "us-east/a/s1"));

    [Fact]
    public void Apply_FailoverPriority_LeadingLabelMatchesRankFirst() =>
        // [net, region]: n1 in us-east 0, n1 elsewhere 1, n2 2.
        Assert.Equal("1=0 2=2 3=0 4=1 5=2",
            Served(Policy(Locality(priority: ["net", Localities.RegionLabel]), outlier: Outlier), "us-east/a/s1", "net=n1"));

    [Fact]
    public void Apply_FailoverPriorityWithFailover_LabelsThenLocality() =>
        // Label priority first (n1 before n2), then locality within it (us-east before the failover target us-west).
        Assert.Equal("1=0 2=3 3=1 4=2 5=4",
            Served(Policy(Locality(priority: ["net"], failover: [new LocalityFailover("us-east", "us-west")]), outlier: Outlier), "us-east/a/s1", "net=n1"));

    [Fact]
    public void Apply_WithoutOutlierDetection_SharedAssignmentEverywhereAtPriorityZero() =>
        Assert.Equal("1=0 2=0 3=0 4=0 5=0", Served(Policy(), "us-east/a/s1"));

    [Fact]
    public void Apply_LocalityLbDisabled_NoPolicy() =>
        Assert.Empty(LocalityPolicies.Build(View(endpoints: Endpoints, rule: Rule(Policy(Locality(enabled: false), outlier: Outlier)))));

    [Fact]
    public void Apply_Distribute_WeightsPerMatchingFromAndUnlistedLocalitiesEmptied()
    {
        var distribute = new[]
        {
            new LocalityDistribute("us-west/*", new Dictionary<string, uint> { ["us-west/*"] = 100 }),
            new LocalityDistribute("us-east/a/*", new Dictionary<string, uint> { ["us-east/a/*"] = 80, ["us-west/c"] = 20 }),
        };
        var view = View(endpoints: Endpoints, rule: Rule(Policy(Locality(distribute: distribute))));
        var shared = Assert.Single(EndpointGenerator.Build(view));

        var served = LocalityAssignment.Apply(shared, LocalityPolicies.Build(view)[shared.ClusterName], "us-east/a/s2", Labels(""));

        var weights = served.Endpoints.ToDictionary(g => $"{g.Locality.Region}/{g.Locality.Zone}/{g.Locality.SubZone}", g => (g.LbEndpoints.Count, g.LoadBalancingWeight));
        // us-east/a/* splits its 80 over two localities of weight 1 each.
        Assert.Equal((1, (uint?)40), weights["us-east/a/s1"]);
        Assert.Equal((1, (uint?)40), weights["us-east/a/s2"]);
        Assert.Equal((1, (uint?)20), weights["us-west/c/"]);
        Assert.Equal(0, weights["us-east/b/"].Count);
        Assert.Equal(0, weights["eu-west/d/"].Count);
        Assert.All(served.Endpoints, g => Assert.Equal(0u, g.Priority));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void ClusterGenerator_LocalityWeightedLbConfig_WhenLocalityLbActs(bool outlier, bool distribute)
    {
        var lb = distribute ? Locality(distribute: [new LocalityDistribute("us-east", new Dictionary<string, uint> { ["us-east"] = 100 })]) : null;
        var cluster = Assert.Single(ClusterGenerator.Build(View(endpoints: Endpoints, rule: Rule(Policy(lb, outlier: outlier ? Outlier : null)))));

        Assert.NotNull(cluster.CommonLbConfig?.LocalityWeightedLbConfig);
    }

    [Fact]
    public void ClusterGenerator_NoOutlierNoDistribute_NoLocalityWeightedLbConfig()
    {
        var cluster = Assert.Single(ClusterGenerator.Build(View(endpoints: Endpoints, rule: Rule(Policy()))));

        Assert.Null(cluster.CommonLbConfig?.LocalityWeightedLbConfig);
        Assert.Equal(Cluster.Types.DiscoveryType.Eds, cluster.Type);
    }
}
