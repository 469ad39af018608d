namespace Mesh.Proxy.Xds;

/// <summary>
/// Exponential backoff with jitter for reconnecting to the control plane: a fleet of proxies that
/// lost one silo must not all return to the next at the same instant.
/// </summary>
public sealed record Backoff(TimeSpan Initial, TimeSpan Maximum)
{
    public static Backoff Default { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(15));

    /// <param name="attempt">0 for the first retry.</param>
    /// <param name="jitter">A draw in [0, 1): the delay lands in [half, all] of the exponential step.</param>
    public TimeSpan Delay(int attempt, double jitter)
    {
        var exponential = Initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        var capped = Math.Min(exponential, Maximum.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + jitter / 2));
    }
}
