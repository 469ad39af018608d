using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.LoadBalancing;

/// <summary>
/// Envoy's per-cluster circuit breakers, counted per proxy: requests and retries in flight. Pending
/// requests are approximated: the forwarder's pool does not queue by max_connections, so requests in
/// flight beyond max_connections count as waiting for a connection (true of HTTP/1.1, one request per
/// connection) and are admitted while they number at most max_pending_requests.
/// </summary>
internal sealed class CircuitBreaker
{
    private long _requests;
    private long _retries;

    public long ActiveRequests => Interlocked.Read(ref _requests);
    public long ActiveRetries => Interlocked.Read(ref _retries);

    /// <summary>Counts the request in flight, or refuses it (overflow, UO) without counting.</summary>
    public bool TryEnterRequest(CircuitBreakerLimits limits)
    {
        var active = Interlocked.Increment(ref _requests);
        // Saturating: Istio's uint-max defaults must never add up to a limit.
        var pendingCap = (long)limits.MaxConnections + limits.MaxPendingRequests;
        if (active <= limits.MaxRequests && active <= pendingCap) return true;
        Interlocked.Decrement(ref _requests);
        return false;
    }

    public void ExitRequest() => Interlocked.Decrement(ref _requests);

    /// <summary>Counts a retry in flight, or refuses it: the retry is then not attempted.</summary>
    public bool TryEnterRetry(CircuitBreakerLimits limits)
    {
        if (Interlocked.Increment(ref _retries) <= limits.MaxRetries) return true;
        Interlocked.Decrement(ref _retries);
        return false;
    }

    public void ExitRetry() => Interlocked.Decrement(ref _retries);
}
