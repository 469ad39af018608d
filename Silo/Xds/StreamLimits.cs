namespace Mesh.Silo.Xds;

/// <summary>What one xDS stream may cost the silo; every limit is per stream.</summary>
public sealed record StreamLimits
{
    /// <summary>Resource names one stream may subscribe to per type, in total (past it: RESOURCE_EXHAUSTED).</summary>
    public int MaxNamesPerType { get; init; } = 10_000;

    /// <summary>How long a new stream may take to send its first request (past it: DEADLINE_EXCEEDED).</summary>
    public TimeSpan FirstRequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one response may take to be written (past it the stream ends: the proxy is not reading).</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests a second a stream is read at, on average; faster senders are read more slowly (backpressure).</summary>
    public double RequestRate { get; init; } = 100;

    /// <summary>Requests a stream may send at once before the rate applies.</summary>
    public int RequestBurst { get; init; } = 200;

    /// <summary>On shutdown, streams end at points spread over this period, so proxies do not all reconnect at once.</summary>
    public TimeSpan DrainPeriod { get; init; } = TimeSpan.FromSeconds(10);
}
