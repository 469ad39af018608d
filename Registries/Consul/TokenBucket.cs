namespace Mesh.Registries.Consul;

/// <summary>
/// Lets a burst of calls through without waiting, then one per interval: the happy path is never
/// delayed, and a loop whose every answer is a change degrades into polling at that rate.
/// </summary>
public sealed class TokenBucket(int burst, TimeSpan interval, TimeProvider time)
{
    private double _tokens = burst;
    private long _stamp = time.GetTimestamp();

    public async Task TakeAsync(CancellationToken cancel)
    {
        Refill();
        if (_tokens < 1 && interval > TimeSpan.Zero)
        {
            await Task.Delay(interval * (1 - _tokens), time, cancel);
            Refill();
        }
        _tokens = Math.Max(0, _tokens - 1);
    }

    private void Refill()
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(_stamp, now);
        _stamp = now;
        _tokens = interval > TimeSpan.Zero ? Math.Min(burst, _tokens + elapsed / interval) : burst;
    }
}
