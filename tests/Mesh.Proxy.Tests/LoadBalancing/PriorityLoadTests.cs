using Mesh.Proxy.LoadBalancing;

namespace Mesh.Proxy.Tests.LoadBalancing;

public sealed class PriorityLoadTests
{
    public static TheoryData<int[], int[], double, int[], bool[]> Cases => new()
    {
        // healthy, total, panic threshold -> loads, panic
        { [3], [3], 50, [100], [false] },
        // 2 of 3 healthy: 1.4 x 66% = 93% stays, 7% spills to P1.
        { [2, 3], [3, 3], 50, [93, 7], [false, false] },
        { [1, 2], [2, 2], 0, [70, 30], [false, false] },
        { [0, 2], [2, 2], 0, [0, 100], [false, false] },
        { [1, 1, 4], [4, 4, 4], 0, [35, 35, 30], [false, false, false] },
        // Below 100% in total, loads are normalized: P0 alone at 35% takes everything...
        { [1, 0], [4, 2], 0, [100, 0], [false, false] },
        // ...unless every level is under the panic threshold: load by host count, to all hosts.
        { [1, 0], [4, 2], 50, [67, 33], [true, true] },
        // Nothing healthy: P0 in panic at Envoy's default, nothing at Istio's 0 (503 UH).
        { [0, 0], [2, 2], 50, [100, 0], [true, false] },
        { [0, 0], [2, 2], 0, [0, 0], [false, false] },
        // At 100% total a thin level is not in panic: the others absorb its load.
        { [1, 3], [4, 3], 50, [35, 65], [false, false] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compute_HealthPerLevel_EnvoysSplit(int[] healthy, int[] total, double threshold, int[] loads, bool[] panic)
    {
        var load = PriorityLoad.Compute(healthy, total, threshold);

        Assert.Equal(loads, load.Loads);
        Assert.Equal(panic, load.Panic);
    }

    [Fact]
    public void Choose_Draws_FallInCumulativeLoads()
    {
        var load = PriorityLoad.Compute([1, 2], [2, 2], 0);

        Assert.Equal([0, 0, 1, 1], new[] { 0, 69, 70, 99 }.Select(load.Choose));
    }

    [Theory]
    [InlineData(80u, 2, 2, 80.0)]
    [InlineData(80u, 1, 2, 56.0)]
    [InlineData(80u, 3, 4, 80.0)]
    [InlineData(80u, 0, 2, 0.0)]
    public void EffectiveLocalityWeight_HealthShare_ScalesWeight(uint weight, int healthy, int total, double expected) =>
        Assert.Equal(expected, PriorityLoad.EffectiveLocalityWeight(weight, healthy, total), 6);
}
