using Mesh.Proxy.Configuration;
using Mesh.Proxy.LoadBalancing;

namespace Mesh.Proxy.Tests.LoadBalancing;

public sealed class HashRingTests
{
    private static EndpointSnapshot E(int port, uint weight = 1) => new("10.0.0.1", port, EndpointHealth.Healthy, weight, 0, "//");

    private static ulong[] Keys(int n) => [.. Enumerable.Range(0, n).Select(i => KeyHash.Of($"key-{i}"))];

    [Theory]
    [InlineData(1, 1024, 1024)]
    [InlineData(2, 1024, 1024)]
    [InlineData(3, 1024, 1026)] // ceil(1024 / 3) points each
    [InlineData(4, 16, 16)]
    public void Build_EqualWeights_SizeIsMinimumRoundedUpPerEndpoint(int endpoints, ulong minimum, int expected)
    {
        var ring = HashRing.Build([.. Enumerable.Range(1, endpoints).Select(p => E(p))], new RingSizes(minimum, 8 * 1024 * 1024));

        Assert.Equal(expected, ring.Size);
    }

    [Fact]
    public void Build_SameEndpointsInAnotherOrder_SameMapping()
    {
        var a = HashRing.Build([E(1), E(2), E(3)], RingSizes.Default);
        var b = HashRing.Build([E(3), E(1), E(2)], RingSizes.Default);

        Assert.All(Keys(500), k => Assert.Equal(a.Find(k), b.Find(k)));
    }

    [Fact]
    public void Find_EndpointRemoved_ItsKeysMoveAndFewOthers()
    {
        var before = HashRing.Build([E(1), E(2), E(3), E(4)], RingSizes.Default);
        var after = HashRing.Build([E(1), E(2), E(3)], RingSizes.Default);
        var keys = Keys(4000);

        var stayed = keys.Where(k => before.Find(k)!.Port != 4).ToList();
        var moved = stayed.Count(k => before.Find(k) != after.Find(k));

        // As in Envoy, each endpoint's share of points grows (256 to 342 of ~1,024), so a few other keys
        // move too; a modulo hash would move about three quarters of them.
        Assert.InRange(moved, 0, stayed.Count * 15 / 100);
    }

    [Fact]
    public void Find_ManyKeys_SpreadAboutEvenly()
    {
        var ring = HashRing.Build([E(1), E(2), E(3), E(4)], RingSizes.Default);

        var counts = Keys(4000).GroupBy(k => ring.Find(k)!.Port).ToDictionary(g => g.Key, g => g.Count());

        // 1,024 points over 4 endpoints: each owns close to a quarter of the ring (1,000 keys).
        Assert.All(counts.Values, c => Assert.InRange(c, 800, 1200));
    }

    [Fact]
    public void Find_WeightThreeToOne_ShareAboutThreeQuarters()
    {
        var ring = HashRing.Build([E(1, weight: 3), E(2, weight: 1)], RingSizes.Default);

        var heavy = Keys(4000).Count(k => ring.Find(k)!.Port == 1);

        Assert.InRange(heavy, 2700, 3300);
    }

    [Fact]
    public void Find_EmptyRing_Null() => Assert.Null(HashRing.Build([], RingSizes.Default).Find(1));
}
