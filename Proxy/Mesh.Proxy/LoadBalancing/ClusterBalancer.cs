using System.Collections.Immutable;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.LoadBalancing;

/// <summary>
/// One cluster's load balancer. The routable endpoints, their in-flight counters and the hash ring
/// are derived once per endpoint set (an EDS update hands over a new array; a CDS-only push keeps the
/// old one), not per request. Counters of endpoints that stay are carried over to the new set.
/// </summary>
internal sealed class ClusterBalancer(TimeProvider time)
{
    private readonly Lock _gate = new();
    private volatile BalancerState _state = BalancerState.Empty;
    private int _roundRobin = -1;

    public CircuitBreaker Breaker { get; } = new();
    public OutlierDetector Outliers { get; } = new(time);

    public EndpointSnapshot? Pick(ClusterSnapshot cluster, ImmutableArray<EndpointSnapshot> endpoints, ulong? hash, EndpointSnapshot? avoid)
    {
        var state = State(endpoints, cluster.Ring);
        var (hosts, counters) = (state.Hosts, state.Counters);
        if (hosts.Length == 0) return null;
        var filtered = Outliers.AnyEjected && Available(state, out hosts, out counters);
        if (hosts.Length == 1) return hosts[0];
        var skip = avoid is null ? -1 : Array.IndexOf(hosts, avoid);
        switch (cluster.LoadBalancing)
        {
            case LoadBalancerKind.RingHash or LoadBalancerKind.Maglev when hash is { } key:
                var found = state.Ring.Value.Find(key, avoid);
                // The ring spans all endpoints; a key landing on an ejected one goes to a random available one.
                return !filtered || Array.IndexOf(hosts, found) >= 0 ? found : hosts[Draw(hosts.Length, skip)];
            case LoadBalancerKind.Random or LoadBalancerKind.RingHash or LoadBalancerKind.Maglev:
                return hosts[Draw(hosts.Length, skip)];
            case LoadBalancerKind.LeastRequest:
                return hosts[LeastOfTwo(counters, skip)];
            default:
                var next = (uint)Interlocked.Increment(ref _roundRobin);
                if (skip < 0) return hosts[(int)(next % (uint)hosts.Length)];
                // Round robin over the others: the skipped slot is stepped over.
                var index = (int)(next % (uint)(hosts.Length - 1));
                return hosts[index >= skip ? index + 1 : index];
        }
    }

    /// <summary>The endpoints not ejected; false (all of them) when none is ejected or all are (Envoy's panic mode).</summary>
    private bool Available(BalancerState state, out EndpointSnapshot[] hosts, out InFlightCounter[] counters)
    {
        var keep = new List<int>(state.Hosts.Length);
        for (var i = 0; i < state.Hosts.Length; i++)
        {
            if (!Outliers.IsEjected(state.Hosts[i])) keep.Add(i);
        }
        if (keep.Count == 0 || keep.Count == state.Hosts.Length)
        {
            (hosts, counters) = (state.Hosts, state.Counters);
            return false;
        }
        hosts = [.. keep.Select(i => state.Hosts[i])];
        counters = [.. keep.Select(i => state.Counters[i])];
        return true;
    }

    /// <summary>Feeds outlier detection with an attempt's outcome.</summary>
    public void Report(ClusterSnapshot cluster, EndpointSnapshot endpoint, int status) =>
        Outliers.Report(cluster.Outlier, endpoint, status, Math.Max(_state.Hosts.Length, 1));

    public InFlightLease Begin(EndpointSnapshot endpoint)
    {
        var counter = Counter(endpoint);
        if (counter is not null) Interlocked.Increment(ref counter.Value);
        return new InFlightLease(counter);
    }

    public int InFlight(EndpointSnapshot endpoint) => Counter(endpoint) is { } counter ? Volatile.Read(ref counter.Value) : 0;

    private InFlightCounter? Counter(EndpointSnapshot endpoint) =>
        _state.ByAddress.TryGetValue((endpoint.Address, endpoint.Port), out var counter) ? counter : null;

    /// <summary>
    /// Power of two choices (Envoy's default choice_count 2): two distinct random endpoints, the one
    /// with fewer requests in flight wins. Distinct, unlike Envoy's draw with replacement, so with
    /// two endpoints a busy one is never chosen over an idle one.
    /// </summary>
    internal static int LeastOfTwo(InFlightCounter[] counters, int skip)
    {
        var a = Draw(counters.Length, skip);
        var b = Draw(counters.Length, skip, a);
        if (b < 0) return a;
        var (ca, cb) = (Volatile.Read(ref counters[a].Value), Volatile.Read(ref counters[b].Value));
        return cb < ca ? b : a;
    }

    /// <summary>A random index in [0, count) other than the given ones; -1 when none is left.</summary>
    private static int Draw(int count, int skip, int other = -1)
    {
        var excluded = (skip >= 0 ? 1 : 0) + (other >= 0 && other != skip ? 1 : 0);
        if (count - excluded <= 0) return skip >= 0 && other < 0 ? skip : -1;
        var index = Random.Shared.Next(count - excluded);
        // Map the draw onto the indexes left, in ascending order of the excluded ones.
        foreach (var x in (ReadOnlySpan<int>)[Math.Min(skip, other), Math.Max(skip, other)])
        {
            if (x >= 0 && index >= x) index++;
        }
        return index;
    }

    private BalancerState State(ImmutableArray<EndpointSnapshot> endpoints, RingSizes ring)
    {
        var state = _state;
        // ImmutableArray equality is reference equality of the backing array: the same EDS set.
        if (state.Source == endpoints && state.RingSizes == ring) return state;
        lock (_gate)
        {
            if (_state.Source == endpoints && _state.RingSizes == ring) return _state;
            return _state = BalancerState.Build(endpoints, ring, _state);
        }
    }
}

internal sealed class BalancerState
{
    public static readonly BalancerState Empty = new([], [], [], new Dictionary<(string, int), InFlightCounter>(), RingSizes.Default);

    private BalancerState(ImmutableArray<EndpointSnapshot> source, EndpointSnapshot[] hosts, InFlightCounter[] counters,
        Dictionary<(string, int), InFlightCounter> byAddress, RingSizes ringSizes)
    {
        Source = source;
        Hosts = hosts;
        Counters = counters;
        ByAddress = byAddress;
        RingSizes = ringSizes;
        // Built on first use: only RING_HASH/MAGLEV clusters pay for a ring.
        Ring = new Lazy<HashRing>(() => HashRing.Build(hosts, ringSizes));
    }

    public ImmutableArray<EndpointSnapshot> Source { get; }
    public EndpointSnapshot[] Hosts { get; }
    public InFlightCounter[] Counters { get; }
    public Dictionary<(string, int), InFlightCounter> ByAddress { get; }
    public RingSizes RingSizes { get; }
    public Lazy<HashRing> Ring { get; }

    public static BalancerState Build(ImmutableArray<EndpointSnapshot> source, RingSizes ring, BalancerState previous)
    {
        var hosts = Routable(source);
        var counters = new InFlightCounter[hosts.Length];
        var byAddress = new Dictionary<(string, int), InFlightCounter>();
        for (var i = 0; i < hosts.Length; i++)
        {
            var key = (hosts[i].Address, hosts[i].Port);
            counters[i] = byAddress.TryGetValue(key, out var same) ? same
                : previous.ByAddress.TryGetValue(key, out var kept) ? kept : new InFlightCounter();
            byAddress[key] = counters[i];
        }
        return new BalancerState(source, hosts, counters, byAddress, ring);
    }

    private static EndpointSnapshot[] Routable(ImmutableArray<EndpointSnapshot> endpoints)
    {
        if (endpoints.IsDefaultOrEmpty) return [];
        var best = uint.MaxValue;
        foreach (var e in endpoints)
        {
            if (e.IsRoutable && e.Priority < best) best = e.Priority;
        }
        return [.. endpoints.Where(e => e.IsRoutable && e.Priority == best)];
    }
}
