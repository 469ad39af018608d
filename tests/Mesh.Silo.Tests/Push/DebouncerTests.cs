using Mesh.Silo.Push;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Push;

/// <summary>
/// The debouncer on a fake clock. Time is moved only once the debouncer waits on a timer
/// (<see cref="PendingTimersTimeProvider"/>), so no step is lost to a timer armed after the move.
/// </summary>
[Collection(nameof(DebouncerTests))]
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

    private static PendingTimersTimeProvider NewTime() => new(DateTimeOffset.UnixEpoch);

    /// <summary>Until the debouncer waits on a timer: it has taken every signal so far and decided not to flush yet.</summary>
    private static async Task DebouncerWaitingAsync(PendingTimersTimeProvider time)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (time.Pending.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the debouncer never armed its timer");
            await Task.Delay(1);
        }
    }

    [Fact]
    public async Task Signal_QuietPeriodPasses_FlushesOnce()
    {
        var time = NewTime();
        var log = new FlushLog();
        await using var debouncer = new Debouncer(Options, time, log.OnFlush);

        debouncer.Signal();
        debouncer.Signal();
        debouncer.Signal();
        await DebouncerWaitingAsync(time);
        time.Advance(Options.Quiet);
        await log.WaitForFlush();

        Assert.Equal(1, log.Count);
    }

    [Fact]
    public async Task Signal_BeforeQuietPeriod_DoesNotFlush()
    {
        var time = NewTime();
        var log = new FlushLog();
        await using var debouncer = new Debouncer(Options, time, log.OnFlush);

        debouncer.Signal();
        for (var i = 0; i < 5; i++)
        {
            await DebouncerWaitingAsync(time);
            time.Advance(TimeSpan.FromMilliseconds(50));
            debouncer.Signal();
        }
        // Waiting again means it saw the last signal and chose to wait, not to flush.
        await DebouncerWaitingAsync(time);

        Assert.Equal(0, log.Count);
    }

    [Fact]
    public async Task Signal_ContinuousChurn_FlushesAtMax()
    {
        var time = NewTime();
        var log = new FlushLog();
        await using var debouncer = new Debouncer(Options, time, log.OnFlush);

        // A signal every 50 ms never leaves 100 ms of quiet; only the 1 s maximum can flush.
        var advanced = TimeSpan.Zero;
        debouncer.Signal();
        while (Volatile.Read(ref log.Count) == 0 && advanced < TimeSpan.FromSeconds(3))
        {
            await DebouncerWaitingAsync(time);
            if (Volatile.Read(ref log.Count) > 0) break;
            time.Advance(TimeSpan.FromMilliseconds(50));
            advanced += TimeSpan.FromMilliseconds(50);
            debouncer.Signal();
        }
        await log.WaitForFlush();

        Assert.InRange(advanced, Options.Max, Options.Max + TimeSpan.FromMilliseconds(100));
    }
}

/// <summary>
/// The debouncer tests alone: they wait on its background loop in real time between fake-time
/// steps, and a test host busy with silo fixtures starved that loop (one failure in a full run).
/// </summary>
[CollectionDefinition(nameof(DebouncerTests), DisableParallelization = true)]
public sealed class DebouncerTestsCollection;
