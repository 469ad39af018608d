namespace Mesh.Silo.Push;

/// <summary>Istio's push debounce: flush after a quiet period, or at the latest after a maximum delay.</summary>
public sealed record DebounceOptions(TimeSpan Quiet, TimeSpan Max)
{
    public static DebounceOptions Default { get; } = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));
}

/// <summary>
/// Coalesces signals: the first signal opens a batch; the batch is flushed once no signal came
/// for <see cref="DebounceOptions.Quiet"/>, or <see cref="DebounceOptions.Max"/> after it opened.
/// Time comes from a TimeProvider so tests drive it with a fake clock.
/// </summary>
public sealed class Debouncer : IAsyncDisposable
{
    private readonly DebounceOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<Task> _flush;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _lastSignal;

    public Debouncer(DebounceOptions options, TimeProvider time, Func<Task> flush)
    {
        _options = options;
        _time = time;
        _flush = flush;
        _loop = Task.Run(RunAsync);
    }

    public void Signal()
    {
        Interlocked.Exchange(ref _lastSignal, _time.GetTimestamp());
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(token);
                var opened = _time.GetTimestamp();
                while (true)
                {
                    var sinceLast = _time.GetElapsedTime(Interlocked.Read(ref _lastSignal));
                    var sinceOpen = _time.GetElapsedTime(opened);
                    if (sinceLast >= _options.Quiet || sinceOpen >= _options.Max) break;
                    var wait = Min(_options.Quiet - sinceLast, _options.Max - sinceOpen);
                    await Task.Delay(wait, _time, token);
                }
                while (_signal.CurrentCount > 0) await _signal.WaitAsync(token);
                await _flush();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _loop; } catch (OperationCanceledException) { }
        _stop.Dispose();
        _signal.Dispose();
    }
}
