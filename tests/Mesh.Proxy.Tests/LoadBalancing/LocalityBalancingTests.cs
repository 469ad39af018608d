using System.Collections.Immutable;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.LoadBalancing;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Proxy.Tests.LoadBalancing;

public sealed class LocalityBalancingTests
{
    private const int Draws = 4000;

    private static EndpointSnapshot E(int port, string locality, uint localityWeight = 0, uint priority = 0, EndpointHealth health = EndpointHealth.Healthy) =>
        new("127.0.0.1", port, health, 1, priority, locality) { LocalityWeight = localityWeight };

    private static ClusterSnapshot C(LoadBalancerKind kind = LoadBalancerKind.RoundRobin, bool localityWeighted = false) =>
        new("c", "c", kind, UpstreamProtocol.Http11, TimeSpan.FromSeconds(5), [])
        {
            LocalityWeighted = localityWeighted,
            HealthyPanicThreshold = 0,
            Outlier = new OutlierPolicy(1, 100, 0, 0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 100),
        };

    private static double Share(EndpointPicker picker, ClusterSnapshot cluster, ImmutableArray<EndpointSnapshot> endpoints, Func<EndpointSnapshot, bool> which) =>
        Enumerable.Range(0, Draws).Count(_ => which(picker.Pick(cluster, endpoints)!)) / (double)Draws;

    [Theory]
    [InlineData(LoadBalancerKind.RoundRobin)]
    [InlineData(LoadBalancerKind.LeastRequest)]
    [InlineData(LoadBalancerKind.Random)]
    public void Pick_LocalityWeighted_SharesFollowLocalityWeights(LoadBalancerKind kind)
    {
        ImmutableArray<EndpointSnapshot> endpoints = [E(1, "r/a/", 80), E(2, "r/a/", 80), E(3, "r/b/", 20)];

        var share = Share(new EndpointPicker(), C(kind, localityWeighted: true), endpoints, e => e.Port == 3);

        // Unweighted by locality, port 3 would get a third.
        Assert.InRange(share, 0.15, 0.25);
    }

    [Fact]
    public void Pick_NotLocalityWeighted_IgnoresLocalityWeights()
    {
        ImmutableArray<EndpointSnapshot> endpoints = [E(1, "r/a/", 80), E(2, "r/a/", 80), E(3, "r/b/", 20)];

        var share = Share(new EndpointPicker(), C(), endpoints, e => e.Port == 3);

        Assert.InRange(share, 0.30, 0.37);
    }

    [Fact]
    public void Pick_LocalityWeightedHalfEjected_ShedsLoadByHealth()
    {
        var picker = new EndpointPicker(new FakeTimeProvider());
        var cluster = C(localityWeighted: true);
        ImmutableArray<EndpointSnapshot> endpoints = [E(1, "r/a/", 50), E(2, "r/a/", 50), E(3, "r/b/", 50), E(4, "r/b/", 50)];
        picker.Pick(cluster, endpoints);
        picker.Report(cluster, endpoints[0], 500);

        // r/a keeps 50 x min(1, 1.4 x 1/2) = 35 against r/b's 50: 35/85 of the load, all on port 2.
        var share = Share(picker, cluster, endpoints, e => e.Locality == "r/a/");

        Assert.InRange(share, 0.36, 0.47);
        Assert.DoesNotContain(Enumerable.Range(0, 200), _ => picker.Pick(cluster, endpoints)!.Port == 1);
    }

    [Theory]
    [InlineData(LoadBalancerKind.RoundRobin)]
    [InlineData(LoadBalancerKind.RingHash)]
    public void Pick_PriorityZeroHalfEjected_SpillsOverprovisionedRemainder(LoadBalancerKind kind)
    {
        var picker = new EndpointPicker(new FakeTimeProvider());
        var cluster = C(kind);
        ImmutableArray<EndpointSnapshot> endpoints = [E(1, "r/a/", priority: 0), E(2, "r/a/", priority: 0), E(3, "r/b/", priority: 1)];
        picker.Pick(cluster, endpoints);
        picker.Report(cluster, endpoints[0], 500);

        var share = Share(picker, cluster, endpoints, e => e.Port == 3);

        // P0's health is 1.4 x 1/2 = 70%: 30% fails over.
        Assert.InRange(share, 0.25, 0.35);
    }

    [Fact]
    public void Pick_PriorityZeroAllEjected_FailsOverCompletelyThenReturns()
    {
        var time = new FakeTimeProvider();
        var picker = new EndpointPicker(time);
        var cluster = C();
        ImmutableArray<EndpointSnapshot> endpoints = [E(1, "r/a/", priority: 0), E(2, "r/a/", priority: 0), E(3, "r/b/", priority: 1)];
        Assert.NotEqual(3, picker.Pick(cluster, endpoints)!.Port);
        picker.Report(cluster, endpoints[0], 500);
        picker.Report(cluster, endpoints[1], 500);

        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(3, picker.Pick(cluster, endpoints)!.Port));
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.All(Enumerable.Range(0, 50), _ => Assert.NotEqual(3, picker.Pick(cluster, endpoints)!.Port));
    }

    [Fact]
    public void Pick_AllHealthyInPriorityZero_NeverTouchesLowerPriorities()
    {
        ImmutableArray<EndpointSnapshot> endpoints = [E(1, "r/a/", priority: 0), E(2, "r/b/", priority: 1), E(3, "s/c/", priority: 2)];

        Assert.Equal(0, Share(new EndpointPicker(), C(LoadBalancerKind.Random), endpoints, e => e.Priority > 0));
    }
}
