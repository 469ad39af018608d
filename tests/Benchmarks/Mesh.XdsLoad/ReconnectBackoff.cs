namespace Mesh.XdsLoad;

/// <summary>
/// Envoy's retry of a lost or refused xDS stream: jittered exponential back-off from 250 ms up to
/// 5 s, reset once a stream has delivered a response. The jitter (a random half to all of the
/// step) spreads a refused connect storm over the silo's stream-rate window instead of retrying it whole.
/// </summary>
public sealed class ReconnectBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(5);
    private int _attempt;

    public TimeSpan Next()
    {
        var step = Math.Min(First.TotalMilliseconds * Math.Pow(2, _attempt), Cap.TotalMilliseconds);
        if (step < Cap.TotalMilliseconds) _attempt++;
        return TimeSpan.FromMilliseconds(step * (0.5 + Random.Shared.NextDouble() / 2));
    }

    public void Reset() => _attempt = 0;
}
