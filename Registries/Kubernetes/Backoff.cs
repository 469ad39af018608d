namespace Mesh.Registries.Kubernetes;

/// <summary>
/// Exponential back-off with jitter: each failure doubles the base wait up to a cap, and the wait
/// actually taken is drawn from [base/2, base], so many clients that failed together do not retry together.
/// </summary>
public sealed class Backoff(TimeSpan initial, TimeSpan max, Random random)
{
    private int _failures;

    public TimeSpan Next()
    {
        var factor = Math.Pow(2, Math.Min(_failures, 30));
        _failures++;
        var baseMs = Math.Min(initial.TotalMilliseconds * factor, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(baseMs / 2 + random.NextDouble() * baseMs / 2);
    }

    public void Reset() => _failures = 0;
}
