namespace Mesh.Api.Retry;

/// <summary>
/// A token bucket on a <see cref="TimeProvider"/>: Rate tokens a second, at most Burst saved up.
/// Thread-safe, since a silo's connection rate is shared by every stream. Also paces the Consul
/// registry's blocking queries (a burst without waiting, then one per interval).
/// </summary>
public sealed class RateBucket
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly double _rate;
    private readonly double _burst;
    private double _tokens;
    private long _at;

    public RateBucket(double ratePerSecond, int burst, TimeProvider time)
    {
        if (ratePerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(ratePerSecond), "must be positive");
        if (burst < 1) throw new ArgumentOutOfRangeException(nameof(burst), "must be at least 1");
        _rate = ratePerSecond;
        _burst = burst;
        _time = time;
        _tokens = burst;
        _at = time.GetTimestamp();
    }

    /// <summary>Takes a token if one is there.</summary>
    public bool TryTake() => Take(reserve: false) == TimeSpan.Zero;

    /// <summary>
    /// Takes a token, borrowing it from the future if none is there: returns how long the caller
    /// must wait before acting on it (zero when it was there).
    /// </summary>
    public TimeSpan Reserve() => Take(reserve: true);

    private TimeSpan Take(bool reserve)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + _time.GetElapsedTime(_at, now).TotalSeconds * _rate);
            _at = now;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                return TimeSpan.Zero;
            }
            if (!reserve) return TimeSpan.MaxValue;
            _tokens -= 1;
            return TimeSpan.FromSeconds(-_tokens / _rate);
        }
    }
}
