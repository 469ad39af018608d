using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.LoadBalancing;

/// <summary>
/// Envoy's consecutive_5xx and consecutive_gateway_failure outlier detection for one cluster, fed by
/// this proxy's responses. An endpoint is ejected when a counter reaches its threshold (and the
/// enforcing percentage draws it), for base_ejection_time × times ejected, unless that would eject
/// more than max_ejection_percent of the endpoints (one may always be ejected, as Envoy). The return
/// is checked when the endpoint is next considered rather than on interval ticks, so it is never late.
/// </summary>
internal sealed class OutlierDetector(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string, int), HostState> _hosts = [];
    private int _ejected;

    /// <summary>Cheap check for the pick path: false means no endpoint needs filtering.</summary>
    public bool AnyEjected => Volatile.Read(ref _ejected) > 0;

    /// <param name="status">The upstream's status; 503 for a connection failure or timeout (Envoy's mapping).</param>
    /// <param name="endpointCount">Endpoints of the cluster, for max_ejection_percent.</param>
    public void Report(OutlierPolicy? policy, EndpointSnapshot endpoint, int status, int endpointCount)
    {
        if (policy is null) return;
        lock (_gate)
        {
            var host = Host(endpoint);
            if (status < 500)
            {
                host.Consecutive5xx = host.ConsecutiveGateway = 0;
                return;
            }
            host.Consecutive5xx++;
            host.ConsecutiveGateway = status is 502 or 503 or 504 ? host.ConsecutiveGateway + 1 : 0;
            if (host.EjectedUntil is not null) return;
            var by5xx = Trips(policy.Consecutive5xx, policy.Enforcing5xx, host.Consecutive5xx);
            var byGateway = Trips(policy.ConsecutiveGatewayFailure, policy.EnforcingGatewayFailure, host.ConsecutiveGateway);
            if (!by5xx && !byGateway) return;
            host.Consecutive5xx = host.ConsecutiveGateway = 0;
            var allowed = _ejected == 0 || (_ejected + 1) * 100L <= (long)endpointCount * policy.MaxEjectionPercent;
            if (!allowed) return;
            host.Ejections++;
            host.EjectedUntil = time.GetUtcNow() + policy.BaseEjectionTime * host.Ejections;
            _ejected++;
        }
    }

    /// <summary>Whether the endpoint is ejected now; an ejection that has run out is ended here.</summary>
    public bool IsEjected(EndpointSnapshot endpoint)
    {
        if (!AnyEjected) return false;
        lock (_gate)
        {
            if (!_hosts.TryGetValue((endpoint.Address, endpoint.Port), out var host) || host.EjectedUntil is not { } until) return false;
            if (time.GetUtcNow() < until) return true;
            host.EjectedUntil = null;
            _ejected--;
            return false;
        }
    }

    /// <summary>(ejected now, times ejected) for the admin page.</summary>
    public (bool Ejected, int Ejections) StateOf(EndpointSnapshot endpoint)
    {
        var ejected = IsEjected(endpoint);
        lock (_gate) return (ejected, _hosts.TryGetValue((endpoint.Address, endpoint.Port), out var host) ? host.Ejections : 0);
    }

    private static bool Trips(uint threshold, uint enforcing, int count) =>
        threshold > 0 && count >= threshold && enforcing > 0 && (enforcing >= 100 || Random.Shared.Next(100) < enforcing);

    private HostState Host(EndpointSnapshot endpoint)
    {
        var key = (endpoint.Address, endpoint.Port);
        if (!_hosts.TryGetValue(key, out var host)) _hosts[key] = host = new HostState();
        return host;
    }

    private sealed class HostState
    {
        public int Consecutive5xx;
        public int ConsecutiveGateway;
        // Not decayed over healthy intervals as Envoy does: a flapping endpoint stays out longer each time.
        public int Ejections;
        public DateTimeOffset? EjectedUntil;
    }
}
