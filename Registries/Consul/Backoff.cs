namespace Mesh.Registries.Consul;

/// <summary>
/// Pauses after consecutive failures: doubling from the first to the longest, each taken at a random
/// point of its upper half, so silos that lost Consul together do not all come back at once.
/// </summary>
public sealed class Backoff(TimeSpan first, TimeSpan longest, Random random)
{
    private int _failures;

    public TimeSpan Next()
    {
        var ceiling = first * Math.Pow(2, Math.Min(_failures, 30));
        if (ceiling > longest) ceiling = longest;
        _failures++;
        return ceiling * (0.5 + random.NextDouble() / 2);
    }

    public void Reset() => _failures = 0;
}
