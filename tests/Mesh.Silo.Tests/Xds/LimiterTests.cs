using System.Collections.Immutable;
using Mesh.Silo.Push;
using Mesh.Silo.Xds;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Silo.Tests.Xds;

public sealed class PushThrottleTests
{
    [Fact]
    public async Task EnterAsync_AtTheLimit_WaitsForASlot()
    {
        var throttle = new PushThrottle(2);
        var first = await throttle.EnterAsync(CancellationToken.None);
        using var second = await throttle.EnterAsync(CancellationToken.None);

        var third = throttle.EnterAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        Assert.Equal(2, throttle.InFlight);

        first.Dispose();
        first.Dispose();
        using var entered = await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, throttle.InFlight);
    }

    [Fact]
    public async Task EnterAsync_Cancelled_TakesNoSlot()
    {
        var throttle = new PushThrottle(1);
        using var held = await throttle.EnterAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = throttle.EnterAsync(cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(1, throttle.InFlight);
    }
}

public sealed class PushSlotTests
{
    private static PushEvent Push(int version, DateTimeOffset at, params (string Type, string Name)[] changed) =>
        new(ResourceSnapshot.Empty with { },
            changed.GroupBy(c => c.Type).ToImmutableDictionary(g => g.Key, g => g.Select(c => c.Name).ToImmutableHashSet(StringComparer.Ordinal)),
            at.AddSeconds(version));

    [Fact]
    public void Offer_ManyBeforeTake_KeepsOneWithTheNewestSnapshotAndEveryChangedName()
    {
        var slot = new PushSlot();
        var start = DateTimeOffset.UnixEpoch;
        var first = Push(1, start, ("cds", "a"), ("eds", "x"));
        var last = Push(3, start, ("cds", "c"));
        slot.Offer(first);
        slot.Offer(Push(2, start, ("cds", "b")));
        slot.Offer(last);

        Assert.True(slot.TryTake(out var push));
        Assert.Same(last.Snapshot, push.Snapshot);
        Assert.Equal(["a", "b", "c"], push.Changed["cds"].Order());
        Assert.Equal(["x"], push.Changed["eds"]);
        Assert.Equal(first.OldestChange, push.OldestChange);
        Assert.False(slot.TryTake(out _));
    }

    [Fact]
    public async Task WaitAsync_AfterOffer_Completes()
    {
        var slot = new PushSlot();
        var waiting = slot.WaitAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        slot.Offer(Push(1, DateTimeOffset.UnixEpoch, ("cds", "a")));

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(slot.TryTake(out _));
    }
}

public sealed class LogTextTests
{
    [Theory]
    [InlineData("sidecar~10.0.0.1~a.default", 100, "sidecar~10.0.0.1~a.default")]
    [InlineData("evil\nINFO forged line\r\u0007", 100, "evil\\nINFO forged line\\r\\u0007")]
    [InlineData("abcdefghij", 4, "abcd…(10 chars)")]
    [InlineData("", 4, "")]
    [InlineData(null, 4, "")]
    public void Safe_ClientText_BoundedAndEscaped(string? text, int max, string expected)
    {
        Assert.Equal(expected, LogText.Safe(text, max));
    }
}
