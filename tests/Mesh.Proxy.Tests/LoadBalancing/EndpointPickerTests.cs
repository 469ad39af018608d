using System.Collections.Immutable;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.LoadBalancing;

namespace Mesh.Proxy.Tests.LoadBalancing;

public sealed class EndpointPickerTests
{
    private static EndpointSnapshot E(int port, EndpointHealth health = EndpointHealth.Healthy, uint priority = 0) =>
        new("127.0.0.1", port, health, 1, priority, "//");

    private static ClusterSnapshot C(LoadBalancerKind kind = LoadBalancerKind.RoundRobin, double panicThreshold = 50) =>
        new("c", "c", kind, UpstreamProtocol.Http11, TimeSpan.FromSeconds(5), []) { HealthyPanicThreshold = panicThreshold };

    public static TheoryData<LoadBalancerKind> Kinds => new() { LoadBalancerKind.RoundRobin, LoadBalancerKind.LeastRequest, LoadBalancerKind.Random, LoadBalancerKind.RingHash, LoadBalancerKind.Maglev };

    [Fact]
    public void Pick_RoundRobin_CyclesInOrder()
    {
        var picker = new EndpointPicker();
        ImmutableArray<EndpointSnapshot> endpoints = [E(1), E(2), E(3)];

        var ports = Enumerable.Range(0, 6).Select(_ => picker.Pick(C(), endpoints)!.Port).ToList();

        Assert.Equal([1, 2, 3, 1, 2, 3], ports);
    }

    [Fact]
    public void Pick_ConfigSwapWithSameEndpoints_KeepsRotation()
    {
        var picker = new EndpointPicker();
        ImmutableArray<EndpointSnapshot> endpoints = [E(1), E(2), E(3)];
        picker.Pick(C(), endpoints);

        // A new but equal endpoint array, as an EDS push of unchanged endpoints hands over.
        Assert.Equal(2, picker.Pick(C(), [E(1), E(2), E(3)])!.Port);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Pick_UnhealthyAndDrainingWithoutPanic_NeverChosen(LoadBalancerKind kind)
    {
        var picker = new EndpointPicker();
        ImmutableArray<EndpointSnapshot> endpoints = [E(1, EndpointHealth.Unhealthy), E(2, EndpointHealth.Unknown), E(3, EndpointHealth.Draining)];

        // Istio's healthy_panic_threshold 0; at Envoy's 50% one healthy host of three is panic (next test).
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(2, picker.Pick(C(kind, panicThreshold: 0), endpoints, hash: (ulong)i * 7919)!.Port));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Pick_HealthyShareBelowPanicThreshold_RoutesToAllHostsOfTheLevel(LoadBalancerKind kind)
    {
        var picker = new EndpointPicker();
        ImmutableArray<EndpointSnapshot> endpoints = [E(1, EndpointHealth.Unhealthy), E(2, EndpointHealth.Unknown), E(3, EndpointHealth.Draining)];

        var ports = Enumerable.Range(0, 300).Select(i => picker.Pick(C(kind), endpoints, hash: (ulong)i * 0x9E3779B97F4A7C15UL)!.Port).ToHashSet();

        Assert.Equal([1, 2, 3], ports.Order());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Pick_NoRoutableEndpointPanicThresholdZero_ReturnsNull(LoadBalancerKind kind) =>
        Assert.Null(new EndpointPicker().Pick(C(kind, panicThreshold: 0), [E(1, EndpointHealth.Unhealthy)], hash: 1));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Pick_NoRoutableEndpointDefaultThreshold_PanicsToPriorityZero(LoadBalancerKind kind) =>
        Assert.Equal(1, new EndpointPicker().Pick(C(kind), [E(1, EndpointHealth.Unhealthy), E(2, EndpointHealth.Unhealthy, 1)], hash: 1)!.Port);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Pick_PriorityZeroUnhealthy_FailsOverToPriorityOne(LoadBalancerKind kind)
    {
        ImmutableArray<EndpointSnapshot> endpoints = [E(1, EndpointHealth.Unhealthy, 0), E(2, EndpointHealth.Healthy, 1)];

        Assert.Equal(2, new EndpointPicker().Pick(C(kind), endpoints, hash: 42)!.Port);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Pick_RetryAvoidingPrevious_ChoosesAnother(LoadBalancerKind kind)
    {
        var picker = new EndpointPicker();
        ImmutableArray<EndpointSnapshot> endpoints = [E(1), E(2), E(3)];

        Assert.All(Enumerable.Range(0, 50), i => Assert.NotEqual(1, picker.Pick(C(kind), endpoints, hash: (ulong)i * 104729, avoid: endpoints[0])!.Port));
    }

    [Theory]
    [InlineData(LoadBalancerKind.Random)]
    [InlineData(LoadBalancerKind.LeastRequest)]
    [InlineData(LoadBalancerKind.RingHash)] // without a hash key the ring picks at random, as Envoy's
    public void Pick_RandomizedPolicies_ReachEveryEndpoint(LoadBalancerKind kind)
    {
        var picker = new EndpointPicker();
        ImmutableArray<EndpointSnapshot> endpoints = [E(1), E(2), E(3)];

        var seen = Enumerable.Range(0, 300).Select(_ => picker.Pick(C(kind), endpoints)!.Port).ToHashSet();

        Assert.Equal([1, 2, 3], seen.Order());
    }

    [Fact]
    public void Pick_LeastRequestOneBusy_AlwaysTheIdleOfTwo()
    {
        var picker = new EndpointPicker();
        ImmutableArray<EndpointSnapshot> endpoints = [E(1), E(2)];
        picker.Pick(C(LoadBalancerKind.LeastRequest), endpoints);
        using var busy = picker.Begin("c", endpoints[0]);

        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(2, picker.Pick(C(LoadBalancerKind.LeastRequest), endpoints)!.Port));
    }

    [Fact]
    public void Begin_LeaseDisposed_InFlightBackToZero()
    {
        var picker = new EndpointPicker();
        ImmutableArray<EndpointSnapshot> endpoints = [E(1), E(2)];
        picker.Pick(C(), endpoints);

        using (picker.Begin("c", endpoints[0]))
        using (picker.Begin("c", endpoints[0]))
            Assert.Equal(2, picker.InFlight("c", endpoints[0]));

        Assert.Equal(0, picker.InFlight("c", endpoints[0]));
    }

    [Fact]
    public void Begin_EndpointSetChangesWhileInFlight_CountCarriedOver()
    {
        var picker = new EndpointPicker();
        picker.Pick(C(), [E(1), E(2)]);
        var lease = picker.Begin("c", E(1));

        picker.Pick(C(), [E(1), E(3)]);

        Assert.Equal(1, picker.InFlight("c", E(1)));
        lease.Dispose();
        Assert.Equal(0, picker.InFlight("c", E(1)));
    }

    [Theory]
    [InlineData(LoadBalancerKind.RingHash)]
    [InlineData(LoadBalancerKind.Maglev)]
    public void Pick_ConsistentHashSameKey_SameEndpointEveryTime(LoadBalancerKind kind)
    {
        var picker = new EndpointPicker();
        ImmutableArray<EndpointSnapshot> endpoints = [E(1), E(2), E(3), E(4)];
        var key = KeyHash.Of("user-17");

        var ports = Enumerable.Range(0, 50).Select(_ => picker.Pick(C(kind), endpoints, key)!.Port).Distinct().ToList();

        Assert.Single(ports);
    }
}
