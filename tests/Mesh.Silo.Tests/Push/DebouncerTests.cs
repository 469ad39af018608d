using Mesh.Silo.Push;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Silo.Tests.Push;

public sealed class DebouncerTests
{
    private static readonly DebounceOptions Options = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private sealed class FlushLog
    {
        private readonly SemaphoreSlim _flushed = new(0);
        public int Count;

        public Task OnFlush()
        {
            Interlocked.Increment(ref Count);
            _flushed.Release();
            return Task.CompletedTask;
        }

        public async Task WaitForFlush() =>
            Assert.True(await _flushed.WaitAsync(Wait), "expected a flush within 10 s of real time");
    }

    /// <summary>Advances fake time in small steps until the debouncer has armed its timer and fired.</summary>
    private static async Task AdvanceUntilFlushed(FakeTimeProvider time, FlushLog log, int before, TimeSpan step, TimeSpan limit)
    {
        var advanced = TimeSpan.Zero;
        while (Volatile.Read(ref log.Count) == before && advanced < limit)
        {
            await Task.Yield();
            await Task.Delay(1);
            time.Advance(step);
            advanced += step;
        }
    }

    [Fact]
    public async Task Signal_QuietPeriodPasses_FlushesOnce()
    {
        var time = new FakeTimeProvider();
        var log = new FlushLog();
        await using var debouncer = new Debouncer(Options, time, log.OnFlush);

        debouncer.Signal();
        debouncer.Signal();
        debouncer.Signal();
        await AdvanceUntilFlushed(time, log, 0, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(5));
        await log.WaitForFlush();

        Assert.Equal(1, log.Count);
    }

    [Fact]
    public async Task Signal_BeforeQuietPeriod_DoesNotFlush()
    {
        var time = new FakeTimeProvider();
        var log = new FlushLog();
        await using var debouncer = new Debouncer(Options, time, log.OnFlush);

        debouncer.Signal();
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(5);
            time.Advance(TimeSpan.FromMilliseconds(50));
            debouncer.Signal();
        }

        Assert.Equal(0, log.Count);
    }

    [Fact]
    public async Task Signal_ContinuousChurn_FlushesAtMax()
    {
        var time = new FakeTimeProvider();
        var log = new FlushLog();
        await using var debouncer = new Debouncer(Options, time, log.OnFlush);

        // A signal every 50 ms never leaves 100 ms of quiet; only the 1 s maximum can flush.
        var advanced = TimeSpan.Zero;
        while (log.Count == 0 && advanced < TimeSpan.FromSeconds(3))
        {
            debouncer.Signal();
            await Task.Delay(2);
            time.Advance(TimeSpan.FromMilliseconds(50));
            advanced += TimeSpan.FromMilliseconds(50);
        }
        await log.WaitForFlush();

        Assert.InRange(advanced, Options.Max, Options.Max + TimeSpan.FromMilliseconds(200));
    }
}
