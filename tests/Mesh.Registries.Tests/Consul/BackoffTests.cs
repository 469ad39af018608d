using Mesh.Registries.Consul;

namespace Mesh.Registries.Tests.Consul;

public sealed class BackoffTests
{
    [Fact]
    public void Next_ConsecutiveFailures_DoublesUpToTheLongestWithinTheUpperHalf()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), new Random(3));

        var pauses = Enumerable.Range(0, 6).Select(_ => backoff.Next().TotalMilliseconds).ToList();

        double[] ceilings = [100, 200, 400, 800, 1000, 1000];
        for (var i = 0; i < pauses.Count; i++) Assert.InRange(pauses[i], ceilings[i] / 2, ceilings[i]);
    }

    [Fact]
    public void Next_ManyBackoffs_AreJittered()
    {
        var pauses = Enumerable.Range(0, 10)
            .Select(seed => new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), new Random(seed)).Next())
            .Distinct().Count();

        Assert.True(pauses > 5);
    }

    [Fact]
    public void Reset_AfterFailures_StartsFromTheFirstPauseAgain()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), new Random(3));
        for (var i = 0; i < 5; i++) backoff.Next();

        backoff.Reset();

        Assert.InRange(backoff.Next().TotalMilliseconds, 50, 100);
    }
}
