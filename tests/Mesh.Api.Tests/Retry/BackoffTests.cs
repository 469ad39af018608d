using Mesh.Api.Retry;

namespace Mesh.Api.Tests.Retry;

public sealed class BackoffTests
{
    private static readonly Backoff ProxyReconnect = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(15));

    [Theory]
    [InlineData(0, 0.0, 100)]
    [InlineData(0, 1.0, 200)]
    [InlineData(3, 0.0, 800)]
    [InlineData(10, 0.0, 7500)]   // capped at 15 s, half of it with the lowest jitter
    [InlineData(100, 1.0, 15000)]
    public void Delay_AttemptAndJitter_ExponentialCappedWithinHalfToFull(int attempt, double jitter, double expectedMs) =>
        Assert.Equal(expectedMs, ProxyReconnect.Delay(attempt, jitter).TotalMilliseconds, precision: 6);

    [Fact]
    public void Next_RepeatedFailures_DoublesWithinJitterUpToCap()
    {
        var sequence = new BackoffSequence(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1000), new Random(7));

        var waits = Enumerable.Range(0, 6).Select(_ => sequence.Next().TotalMilliseconds).ToList();

        double[] steps = [100, 200, 400, 800, 1000, 1000];
        for (var i = 0; i < waits.Count; i++) Assert.InRange(waits[i], steps[i] / 2, steps[i]);
    }

    [Fact]
    public void Next_ManySequences_AreJittered()
    {
        var waits = Enumerable.Range(0, 10)
            .Select(seed => new BackoffSequence(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), new Random(seed)).Next())
            .Distinct().Count();

        Assert.True(waits > 5);
    }

    [Fact]
    public void Reset_AfterFailures_StartsFromInitialAgain()
    {
        var sequence = new BackoffSequence(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), new Random(7));
        for (var i = 0; i < 5; i++) sequence.Next();

        sequence.Reset();

        Assert.InRange(sequence.Next().TotalMilliseconds, 50, 100);
    }
}
