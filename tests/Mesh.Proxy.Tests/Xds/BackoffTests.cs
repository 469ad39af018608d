using Mesh.Proxy.Xds;

namespace Mesh.Proxy.Tests.Xds;

public sealed class BackoffTests
{
    [Theory]
    [InlineData(0, 0.0, 100)]
    [InlineData(0, 1.0, 200)]
    [InlineData(3, 0.0, 800)]
    [InlineData(10, 0.0, 7500)]   // capped at 15 s, half of it with the lowest jitter
    [InlineData(100, 1.0, 15000)]
    public void Delay_AttemptAndJitter_ExponentialCappedWithinHalfToFull(int attempt, double jitter, double expectedMs)
    {
        Assert.Equal(expectedMs, Backoff.Default.Delay(attempt, jitter).TotalMilliseconds, precision: 6);
    }
}
