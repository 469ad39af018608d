using System.Collections.Concurrent;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Routing;

/// <summary>
/// Chooses an endpoint of a cluster: only HEALTHY/UNKNOWN ones, from the lowest priority that has
/// any (Envoy's priority failover without overprovisioning), round robin. Round robin counters
/// survive config swaps, keyed by cluster name, so a push does not reset the rotation.
/// </summary>
public sealed class EndpointPicker
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    /// <param name="avoid">An endpoint a retry should skip if there is another.</param>
    public EndpointSnapshot? Pick(string cluster, IReadOnlyList<EndpointSnapshot> endpoints, EndpointSnapshot? avoid = null)
    {
        var routable = Routable(endpoints);
        if (routable.Count == 0) return null;
        if (avoid is not null && routable.Count > 1) routable.Remove(avoid);
        var counter = _counters.GetOrAdd(cluster, _ => new Counter());
        var next = (uint)Interlocked.Increment(ref counter.Value);
        return routable[(int)(next % (uint)routable.Count)];
    }

    private static List<EndpointSnapshot> Routable(IReadOnlyList<EndpointSnapshot> endpoints)
    {
        var best = uint.MaxValue;
        foreach (var e in endpoints)
        {
            if (e.IsRoutable && e.Priority < best) best = e.Priority;
        }
        var result = new List<EndpointSnapshot>();
        foreach (var e in endpoints)
        {
            if (e.IsRoutable && e.Priority == best) result.Add(e);
        }
        return result;
    }

    private sealed class Counter
    {
        public int Value = -1;
    }
}
