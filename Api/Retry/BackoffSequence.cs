namespace Mesh.Api.Retry;

/// <summary>The waits of one retry loop: a <see cref="Backoff"/> step per consecutive failure, until a success resets it.</summary>
public sealed class BackoffSequence(Backoff backoff, Random random)
{
    private int _failures;

    public BackoffSequence(TimeSpan initial, TimeSpan maximum, Random random) : this(new Backoff(initial, maximum), random) { }

    public TimeSpan Next() => backoff.Delay(_failures++, random.NextDouble());

    public void Reset() => _failures = 0;
}
