using Mesh.Registries.Kubernetes;

namespace Mesh.Registries.Tests.Kubernetes;

public sealed class BackoffTests
{
    [Fact]
    public void Next_RepeatedFailures_DoublesWithinJitterUpToCap()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1000), new Random(7));
        var waits = Enumerable.Range(0, 6).Select(_ => backoff.Next().TotalMilliseconds).ToList();

        double[] bases = [100, 200, 400, 800, 1000, 1000];
        for (var i = 0; i < waits.Count; i++)
            Assert.InRange(waits[i], bases[i] / 2, bases[i]);
    }

    [Fact]
    public void Reset_AfterFailures_StartsFromInitialAgain()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), new Random(7));
        for (var i = 0; i < 5; i++) backoff.Next();

        backoff.Reset();

        Assert.InRange(backoff.Next().TotalMilliseconds, 50, 100);
    }
}
