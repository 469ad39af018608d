using Mesh.Api.Retry;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Api.Tests.Retry;

public sealed class RateBucketTests
{
    [Fact]
    public void TryTake_PastTheBurst_RefusesUntilTimeRefillsIt()
    {
        var time = new FakeTimeProvider();
        var bucket = new RateBucket(ratePerSecond: 10, burst: 3, time);

        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
    }

    [Fact]
    public void TryTake_LongIdle_SavesNoMoreThanTheBurst()
    {
        var time = new FakeTimeProvider();
        var bucket = new RateBucket(ratePerSecond: 100, burst: 2, time);
        time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(2, Enumerable.Range(0, 10).Count(_ => bucket.TryTake()));
    }

    [Fact]
    public void Reserve_Empty_SaysHowLongToWait()
    {
        var time = new FakeTimeProvider();
        var bucket = new RateBucket(ratePerSecond: 4, burst: 1, time);

        Assert.Equal(TimeSpan.Zero, bucket.Reserve());
        Assert.Equal(TimeSpan.FromMilliseconds(250), bucket.Reserve());
        time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal(TimeSpan.FromMilliseconds(250), bucket.Reserve());
    }
}
