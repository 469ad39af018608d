using Mesh.Api.Model;
using Mesh.Registries.Config;

namespace Mesh.Registries.Tests.Config;

public sealed class ConfigFeedTests
{
    // Distinct instances: the feed hands out the very object published.
    private static MeshConfig NewConfig() => new([], [], [], [], [], []);

    [Fact]
    public async Task WatchAsync_BeforeFirstPublish_WaitsForIt()
    {
        var feed = new ConfigFeed();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var watch = feed.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var first = watch.MoveNextAsync().AsTask();
        Assert.False(first.IsCompleted);
        Assert.Same(MeshConfig.Empty, feed.Current);

        var config = NewConfig();
        feed.Publish(config);
        Assert.True(await first);
        Assert.Same(config, watch.Current);
        Assert.Same(config, feed.Current);
    }

    [Fact]
    public async Task WatchAsync_SlowReader_SkipsToTheLatest()
    {
        var feed = new ConfigFeed();
        feed.Publish(NewConfig());
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var watch = feed.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await watch.MoveNextAsync());

        feed.Publish(NewConfig());
        var latest = NewConfig();
        feed.Publish(latest);
        Assert.True(await watch.MoveNextAsync());
        Assert.Same(latest, watch.Current);
    }

    [Fact]
    public async Task WatchAsync_Cancelled_Ends()
    {
        var feed = new ConfigFeed();
        feed.Publish(NewConfig());
        using var stop = new CancellationTokenSource();
        await using var watch = feed.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await watch.MoveNextAsync());
        var next = watch.MoveNextAsync().AsTask();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }
}
