using Microsoft.Extensions.Time.Testing;

namespace Mesh.Testing;

/// <summary>
/// A FakeTimeProvider that knows which of its timers are still pending. Advancing fake time before
/// the code under test has created the timer it is about to wait on loses that tick for good (the
/// timer then starts from the advanced time), so a test first waits for the timer to exist.
/// </summary>
public sealed class PendingTimersTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _pending = [];

    /// <summary>The due times of the timers created and neither fired nor disposed yet.</summary>
    public IReadOnlyList<TimeSpan> Pending
    {
        get { lock (_gate) return [.. _pending]; }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var pending = new PendingTimer(this, dueTime);
        // Listed only once the timer exists: a test that moves time on seeing it listed must not move
        // it before the timer has taken its start time, or that step would be lost for this timer.
        pending.Inner = base.CreateTimer(s => { pending.Done(); callback(s); }, state, dueTime, period);
        pending.List();
        return pending;
    }

    private sealed class PendingTimer(PendingTimersTimeProvider owner, TimeSpan dueTime) : ITimer
    {
        private int _done;

        public ITimer Inner { get; set; } = null!;

        private bool _listed;

        public void List()
        {
            lock (owner._gate)
            {
                if (Volatile.Read(ref _done) != 0) return;
                owner._pending.Add(dueTime);
                _listed = true;
            }
        }

        public void Done()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            lock (owner._gate)
                if (_listed) owner._pending.Remove(dueTime);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => Inner.Change(dueTime, period);

        public void Dispose()
        {
            Done();
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Done();
            return Inner.DisposeAsync();
        }
    }
}
