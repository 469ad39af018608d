using Envoy.Config.Cluster.V3;
using Mesh.Api.Xds;
using Mesh.Grains.Abstractions;
using Mesh.Silo.Push;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Silo.Tests.Push;

/// <summary>Two flushes at once (the first one of a hub and a debounced one) reach every stream in order.</summary>
public sealed class PushHubOrderTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Flush_SecondFlushWhileFirstIsBeingOffered_StreamsOfferedInSnapshotOrder()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-hub-order-").FullName;
        File.WriteAllText(Path.Combine(dir, "o.yaml"), SampleConfig.ServiceEntry("o.mesh.local", 9500, ("127.0.0.1", 9501, "v1")));
        await using var silo = await SiloFixture.StartAsync(dir);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var quiet = TimeSpan.FromMilliseconds(20);
        await using var hub = new PushHub(silo.Services.GetRequiredService<IGrainFactory>(), time, new DebounceOptions(quiet, TimeSpan.FromSeconds(10)),
            NullLogger<PushHub>.Instance);

        // The first stream holds the hub's first flush in its offer until the test lets it go.
        var firstOffer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new ManualResetEventSlim();
        var offersToFirst = 0;
        var first = hub.RegisterAsync(_ =>
        {
            if (Interlocked.Increment(ref offersToFirst) != 1) return;
            firstOffer.SetResult();
            release.Wait(Bound);
        });
        var offered = new List<ResourceSnapshot>();
        var second = hub.RegisterAsync(push => { lock (offered) offered.Add(push.Snapshot); });
        await firstOffer.Task.WaitAsync(Bound);

        // A change flushed meanwhile by the debouncer, on another thread.
        var debounced = Task.Run(async () =>
        {
            await hub.OnServiceChanged(Fragments("late.mesh.local", time.GetUtcNow()));
            time.Advance(quiet * 2);
        });
        // Either it finishes (nothing orders it after the first flush) or it waits for the first
        // flush; a bounded wait tells which, and the first flush is let go in both cases.
        await Task.WhenAny(debounced, Task.Delay(TimeSpan.FromMilliseconds(500)));
        release.Set();
        await debounced.WaitAsync(Bound);
        (_, var r1) = await first.WaitAsync(Bound);
        (_, var r2) = await second.WaitAsync(Bound);
        r1.Dispose();
        r2.Dispose();

        ResourceSnapshot last;
        lock (offered) last = offered[^1];
        Assert.True(ReferenceEquals(hub.Current, last), "the last push offered to the stream is an older snapshot than the hub's");
        Assert.Contains("late.mesh.local", last.OfType(ResourceTypes.Cluster).Keys);
    }

    private static ServiceFragments Fragments(string host, DateTimeOffset at) =>
        new(host, "v-" + host, [XdsResource.Pack(ResourceTypes.Cluster, host, new Cluster { Name = host })], Removed: false, at);
}
