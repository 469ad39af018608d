namespace Mesh.Api.Retry;

/// <summary>
/// Exponential back-off with jitter: each attempt doubles the step from <see cref="Initial"/> up to
/// <see cref="Maximum"/>, and the wait actually taken lands in the upper half of the step, so many
/// clients that failed together (proxies that lost a silo, silos that lost Consul or the API server)
/// do not all come back at the same instant.
/// </summary>
public sealed record Backoff(TimeSpan Initial, TimeSpan Maximum)
{
    /// <param name="attempt">0 for the first retry.</param>
    /// <param name="jitter">A draw in [0, 1): the delay lands in [half, all] of the exponential step.</param>
    public TimeSpan Delay(int attempt, double jitter)
    {
        var exponential = Initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        var capped = Math.Min(exponential, Maximum.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + jitter / 2));
    }
}
