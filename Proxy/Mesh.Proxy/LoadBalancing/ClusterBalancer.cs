using System.Collections.Immutable;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.LoadBalancing;

/// <summary>
/// One cluster's load balancer, Envoy's order of choices: a priority level by the levels' health
/// (overprovisioning, panic threshold), within it a locality by weight × health when the cluster is
/// locality-weighted, then an endpoint by the lb_policy. Priority levels, localities, in-flight
/// counters and hash rings are derived once per endpoint set (an EDS update hands over a new array;
/// a CDS-only push keeps the old one), not per request; counters of endpoints that stay carry over.
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
        var state = State(endpoints, cluster.Ring, cluster.HealthyPanicThreshold);
        if (state.Levels.Length == 0) return null;
        var ejecting = Outliers.AnyEjected;
        var load = ejecting ? CurrentLoad(state) : state.StaticLoad;
        var ringed = cluster.LoadBalancing is LoadBalancerKind.RingHash or LoadBalancerKind.Maglev;
        // A hash key also picks the level, as Envoy's, so a key stays on one level while health holds.
        var draw = ringed && hash is { } h ? (int)(h % 100) : load.Loads.Length == 1 ? 0 : Random.Shared.Next(100);
        var priority = load.Choose(draw);
        if (priority < 0) return null;
        var level = state.Levels[priority];
        var (hosts, counters) = load.Panic[priority] ? (level.Hosts, level.Counters)
            // Envoy's ring hash and Maglev balance over the level's hosts, ignoring locality weights.
            : cluster.LocalityWeighted && !ringed ? Locality(level, ejecting)
            : ejecting ? Healthy(level.Routable, level.RoutableCounters)
            : (level.Routable, level.RoutableCounters);
        if (hosts.Length == 0) return null;
        if (hosts.Length == 1) return hosts[0];
        var skip = avoid is null ? -1 : Array.IndexOf(hosts, avoid);
        switch (cluster.LoadBalancing)
        {
            case LoadBalancerKind.RingHash or LoadBalancerKind.Maglev when hash is { } key:
                var found = (load.Panic[priority] ? level.PanicRing : level.Ring).Value.Find(key, avoid);
                // The ring spans the level's routable hosts; a key landing on an unavailable one goes to a random available one.
                return found is not null && Array.IndexOf(hosts, found) >= 0 ? found : hosts[Draw(hosts.Length, skip)];
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

    private bool IsHealthy(EndpointSnapshot host, bool ejecting) => host.IsRoutable && !(ejecting && Outliers.IsEjected(host));

    /// <summary>The level split with outlier ejections counted as unhealthy (only while some endpoint is ejected).</summary>
    private PriorityLoad CurrentLoad(BalancerState state)
    {
        Span<int> healthy = stackalloc int[state.Levels.Length];
        Span<int> total = stackalloc int[state.Levels.Length];
        for (var p = 0; p < state.Levels.Length; p++)
        {
            var hosts = state.Levels[p].Hosts;
            total[p] = hosts.Length;
            foreach (var host in hosts)
                if (IsHealthy(host, ejecting: true)) healthy[p]++;
        }
        return PriorityLoad.Compute(healthy, total, state.PanicThreshold);
    }

    private (EndpointSnapshot[], InFlightCounter[]) Healthy(EndpointSnapshot[] routable, InFlightCounter[] counters)
    {
        var keep = new List<int>(routable.Length);
        for (var i = 0; i < routable.Length; i++)
            if (!Outliers.IsEjected(routable[i])) keep.Add(i);
        if (keep.Count == routable.Length) return (routable, counters);
        return ([.. keep.Select(i => routable[i])], [.. keep.Select(i => counters[i])]);
    }

    /// <summary>
    /// Locality-weighted choice (locality_weighted_lb_config): a locality drawn by load_balancing_weight
    /// × its health, then its healthy hosts. Drawn at random per request rather than by Envoy's EDF
    /// schedule: the same shares, without its strict interleaving.
    /// </summary>
    private (EndpointSnapshot[], InFlightCounter[]) Locality(PriorityLevel level, bool ejecting)
    {
        var localities = level.Localities;
        Span<double> weights = stackalloc double[localities.Length];
        double sum = 0;
        for (var l = 0; l < localities.Length; l++)
        {
            var healthy = 0;
            foreach (var m in localities[l].Members)
                if (IsHealthy(level.Hosts[m], ejecting)) healthy++;
            weights[l] = PriorityLoad.EffectiveLocalityWeight(localities[l].Weight, healthy, localities[l].Members.Length);
            sum += weights[l];
        }
        if (sum <= 0) return ([], []);
        var draw = Random.Shared.NextDouble() * sum;
        var chosen = localities.Length - 1;
        for (var l = 0; l < localities.Length; l++)
        {
            if (weights[l] <= 0) continue;
            chosen = l;
            if ((draw -= weights[l]) < 0) break;
        }
        var members = localities[chosen].Members.Where(m => IsHealthy(level.Hosts[m], ejecting)).ToArray();
        return ([.. members.Select(m => level.Hosts[m])], [.. members.Select(m => level.Counters[m])]);
    }

    /// <summary>Feeds outlier detection with an attempt's outcome.</summary>
    public void Report(ClusterSnapshot cluster, EndpointSnapshot endpoint, int status) =>
        Outliers.Report(cluster.Outlier, endpoint, status, Math.Max(_state.All.Length, 1));

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

    private BalancerState State(ImmutableArray<EndpointSnapshot> endpoints, RingSizes ring, double panicThreshold)
    {
        var state = _state;
        if (state.Matches(endpoints, ring, panicThreshold)) return state;
        lock (_gate)
        {
            if (_state.Matches(endpoints, ring, panicThreshold)) return _state;
            return _state = BalancerState.Build(endpoints, ring, panicThreshold, _state);
        }
    }
}
