using Mesh.Proxy.Configuration;
using Mesh.Proxy.LoadBalancing;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Proxy.Tests.LoadBalancing;

public sealed class CircuitBreakerAndOutlierTests
{
    private static readonly OutlierPolicy FiveXx = new(2, 100, 0, 0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 100);

    private static EndpointSnapshot E(int port) => new("127.0.0.1", port, EndpointHealth.Healthy, 1, 0, "//");

    private static ClusterSnapshot C(LoadBalancerKind kind = LoadBalancerKind.RoundRobin, OutlierPolicy? outlier = null, CircuitBreakerLimits? limits = null) =>
        new("c", "c", kind, UpstreamProtocol.Http11, TimeSpan.FromSeconds(5), []) { Outlier = outlier, Limits = limits ?? Unlimited };

    private static readonly CircuitBreakerLimits Unlimited = new(uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue);

    public static TheoryData<LoadBalancerKind> Kinds => new() { LoadBalancerKind.RoundRobin, LoadBalancerKind.LeastRequest, LoadBalancerKind.Random, LoadBalancerKind.RingHash, LoadBalancerKind.Maglev };

    [Fact]
    public void TryAdmit_BeyondMaxRequests_RefusesUntilOneEnds()
    {
        var picker = new EndpointPicker();
        var cluster = C(limits: Unlimited with { MaxRequests = 2 });

        Assert.True(picker.TryAdmit(cluster, out var first));
        Assert.True(picker.TryAdmit(cluster, out var second));
        Assert.False(picker.TryAdmit(cluster, out _));
        first.Dispose();
        Assert.True(picker.TryAdmit(cluster, out var third));
        second.Dispose();
        third.Dispose();
        Assert.Equal((0, 0), picker.Active("c"));
    }

    [Fact]
    public void TryAdmit_BeyondConnectionsPlusPending_Refuses()
    {
        var picker = new EndpointPicker();
        // One connection and one pending: the third concurrent request overflows.
        var cluster = C(limits: Unlimited with { MaxConnections = 1, MaxPendingRequests = 1 });

        Assert.True(picker.TryAdmit(cluster, out _));
        Assert.True(picker.TryAdmit(cluster, out _));
        Assert.False(picker.TryAdmit(cluster, out _));
    }

    [Fact]
    public void TryAdmit_IstioUintMaxDefaults_NeverRefuse()
    {
        var picker = new EndpointPicker();
        var cluster = C();

        for (var i = 0; i < 10_000; i++) Assert.True(picker.TryAdmit(cluster, out _));
        for (var i = 0; i < 10_000; i++) Assert.True(picker.TryRetry(cluster, out _));
    }

    [Fact]
    public void TryRetry_BeyondMaxRetries_Refuses()
    {
        var picker = new EndpointPicker();
        var cluster = C(limits: Unlimited with { MaxRetries = 1 });

        Assert.True(picker.TryRetry(cluster, out var retry));
        Assert.False(picker.TryRetry(cluster, out _));
        retry.Dispose();
        Assert.True(picker.TryRetry(cluster, out _));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Pick_EndpointWithConsecutive5xx_EjectedThenReturnsAfterBaseEjectionTime(LoadBalancerKind kind)
    {
        var time = new FakeTimeProvider();
        var picker = new EndpointPicker(time);
        var cluster = C(kind, FiveXx);
        var (bad, good) = (E(1), E(2));

        picker.Report(cluster, bad, 500);
        Assert.Contains(bad, Picks(picker, cluster, [bad, good]));
        picker.Report(cluster, bad, 500);

        Assert.All(Picks(picker, cluster, [bad, good]), e => Assert.Equal(good, e));
        Assert.Equal((true, 1), picker.OutlierState("c", bad));
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.All(Picks(picker, cluster, [bad, good]), e => Assert.Equal(good, e));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Contains(bad, Picks(picker, cluster, [bad, good], hashed: false));
        Assert.Equal((false, 1), picker.OutlierState("c", bad));
    }

    [Fact]
    public void Report_SecondEjection_LastsTwiceTheBaseTime()
    {
        var time = new FakeTimeProvider();
        var picker = new EndpointPicker(time);
        var cluster = C(outlier: FiveXx);
        var (bad, good) = (E(1), E(2));
        Eject(picker, cluster, bad, good);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(picker.OutlierState("c", bad).Ejected);

        Eject(picker, cluster, bad, good);
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal((true, 2), picker.OutlierState("c", bad));
        time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.False(picker.OutlierState("c", bad).Ejected);
    }

    [Fact]
    public void Report_SuccessBetweenErrors_ResetsTheCount()
    {
        var picker = new EndpointPicker(new FakeTimeProvider());
        var cluster = C(outlier: FiveXx);
        var (bad, good) = (E(1), E(2));

        picker.Report(cluster, bad, 500);
        picker.Report(cluster, bad, 200);
        picker.Report(cluster, bad, 500);

        Assert.False(picker.OutlierState("c", bad).Ejected);
    }

    [Fact]
    public void Report_GatewayFailuresOnly_EjectByGatewayDetector()
    {
        var picker = new EndpointPicker(new FakeTimeProvider());
        var cluster = C(outlier: FiveXx with { Consecutive5xx = 0, Enforcing5xx = 0, ConsecutiveGatewayFailure = 2, EnforcingGatewayFailure = 100 });
        var (bad, good) = (E(1), E(2));
        Pick(picker, cluster, [bad, good]);

        picker.Report(cluster, bad, 500);
        picker.Report(cluster, bad, 500);
        Assert.False(picker.OutlierState("c", bad).Ejected);
        picker.Report(cluster, bad, 503);
        picker.Report(cluster, bad, 502);
        Assert.True(picker.OutlierState("c", bad).Ejected);
    }

    [Fact]
    public void Report_MaxEjectionPercent_KeepsTheRestIn()
    {
        var picker = new EndpointPicker(new FakeTimeProvider());
        var cluster = C(outlier: FiveXx with { MaxEjectionPercent = 50 });
        EndpointSnapshot[] all = [E(1), E(2), E(3), E(4)];
        Pick(picker, cluster, all);

        foreach (var e in all)
        {
            picker.Report(cluster, e, 500);
            picker.Report(cluster, e, 500);
        }

        Assert.Equal(2, all.Count(e => picker.OutlierState("c", e).Ejected));
    }

    [Fact]
    public void Pick_AllEjected_PanicModeRoutesToAll()
    {
        var picker = new EndpointPicker(new FakeTimeProvider());
        var cluster = C(outlier: FiveXx);
        var (a, b) = (E(1), E(2));
        Pick(picker, cluster, [a, b]);
        foreach (var e in new[] { a, b })
        {
            picker.Report(cluster, e, 500);
            picker.Report(cluster, e, 500);
        }

        Assert.True(picker.OutlierState("c", a).Ejected && picker.OutlierState("c", b).Ejected);
        Assert.Equal(2, Picks(picker, cluster, [a, b], hashed: false).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Pick_AllEjectedPanicThresholdZero_ReturnsNull(LoadBalancerKind kind)
    {
        var picker = new EndpointPicker(new FakeTimeProvider());
        var cluster = C(kind, outlier: FiveXx) with { HealthyPanicThreshold = 0 };
        var (a, b) = (E(1), E(2));
        Pick(picker, cluster, [a, b]);
        foreach (var e in new[] { a, b })
        {
            picker.Report(cluster, e, 500);
            picker.Report(cluster, e, 500);
        }

        Assert.All(Picks(picker, cluster, [a, b]), Assert.Null);
    }

    [Fact]
    public void Report_NoOutlierDetection_NeverEjects()
    {
        var picker = new EndpointPicker(new FakeTimeProvider());
        var cluster = C();
        for (var i = 0; i < 100; i++) picker.Report(cluster, E(1), 503);

        Assert.False(picker.OutlierState("c", E(1)).Ejected);
    }

    private static void Eject(EndpointPicker picker, ClusterSnapshot cluster, EndpointSnapshot bad, EndpointSnapshot good)
    {
        Pick(picker, cluster, [bad, good]);
        picker.Report(cluster, bad, 500);
        picker.Report(cluster, bad, 500);
        Assert.True(picker.OutlierState("c", bad).Ejected);
    }

    private static EndpointSnapshot? Pick(EndpointPicker picker, ClusterSnapshot cluster, EndpointSnapshot[] endpoints) =>
        picker.Pick(cluster, [.. endpoints]);

    // Hashed picks use fresh keys, so a ring-hash cluster spreads them over the ring.
    private static List<EndpointSnapshot> Picks(EndpointPicker picker, ClusterSnapshot cluster, EndpointSnapshot[] endpoints, bool hashed = true)
    {
        System.Collections.Immutable.ImmutableArray<EndpointSnapshot> set = [.. endpoints];
        return [.. Enumerable.Range(0, 200).Select(i => picker.Pick(cluster, set, hashed ? (ulong)i * 0x9E3779B97F4A7C15UL : null)!)];
    }
}
