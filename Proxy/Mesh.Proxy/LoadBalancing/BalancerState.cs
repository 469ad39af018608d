using System.Collections.Immutable;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.LoadBalancing;

/// <summary>
/// What a cluster's balancer derives once per EDS endpoint array: the priority levels with their
/// localities, one in-flight counter per endpoint (carried over from the previous set), and the
/// split of load across levels by EDS health alone, used as is while no endpoint is ejected.
/// </summary>
internal sealed class BalancerState
{
    public static readonly BalancerState Empty = new([], [], [], new Dictionary<(string, int), InFlightCounter>(), RingSizes.Default, PriorityLoad.DefaultPanicThreshold);

    private BalancerState(ImmutableArray<EndpointSnapshot> source, PriorityLevel[] levels, EndpointSnapshot[] all,
        Dictionary<(string, int), InFlightCounter> byAddress, RingSizes ringSizes, double panicThreshold)
    {
        Source = source;
        Levels = levels;
        All = all;
        ByAddress = byAddress;
        RingSizes = ringSizes;
        PanicThreshold = panicThreshold;
        StaticLoad = PriorityLoad.Compute(
            [.. levels.Select(l => l.Routable.Length)], [.. levels.Select(l => l.Hosts.Length)], panicThreshold);
    }

    public ImmutableArray<EndpointSnapshot> Source { get; }

    /// <summary>Priority levels present, lowest priority number first.</summary>
    public PriorityLevel[] Levels { get; }

    /// <summary>Every endpoint of the set, whatever its health (max_ejection_percent counts them all, as Envoy).</summary>
    public EndpointSnapshot[] All { get; }

    public Dictionary<(string, int), InFlightCounter> ByAddress { get; }
    public RingSizes RingSizes { get; }
    public double PanicThreshold { get; }

    /// <summary>The load split when only EDS health counts (nothing ejected).</summary>
    public PriorityLoad StaticLoad { get; }

    public bool Matches(ImmutableArray<EndpointSnapshot> endpoints, RingSizes ring, double panicThreshold) =>
        // ImmutableArray equality is reference equality of the backing array: the same EDS set.
        Source == endpoints && RingSizes == ring && PanicThreshold.Equals(panicThreshold);

    public static BalancerState Build(ImmutableArray<EndpointSnapshot> source, RingSizes ring, double panicThreshold, BalancerState previous)
    {
        var all = source.IsDefaultOrEmpty ? [] : source.ToArray();
        var byAddress = new Dictionary<(string, int), InFlightCounter>();
        var counters = new InFlightCounter[all.Length];
        for (var i = 0; i < all.Length; i++)
        {
            var key = (all[i].Address, all[i].Port);
            counters[i] = byAddress.TryGetValue(key, out var same) ? same
                : previous.ByAddress.TryGetValue(key, out var kept) ? kept : new InFlightCounter();
            byAddress[key] = counters[i];
        }
        var levels = Enumerable.Range(0, all.Length)
            .GroupBy(i => all[i].Priority)
            .OrderBy(g => g.Key)
            .Select(g => new PriorityLevel([.. g.Select(i => all[i])], [.. g.Select(i => counters[i])], ring))
            .ToArray();
        return new BalancerState(source, levels, all, byAddress, ring, panicThreshold);
    }
}

/// <summary>One priority level: its hosts (every health), the EDS-routable ones, and its localities.</summary>
internal sealed class PriorityLevel
{
    public PriorityLevel(EndpointSnapshot[] hosts, InFlightCounter[] counters, RingSizes ring)
    {
        Hosts = hosts;
        Counters = counters;
        var routable = Enumerable.Range(0, hosts.Length).Where(i => hosts[i].IsRoutable).ToArray();
        Routable = [.. routable.Select(i => hosts[i])];
        RoutableCounters = [.. routable.Select(i => counters[i])];
        Localities = [.. Enumerable.Range(0, hosts.Length)
            .GroupBy(i => hosts[i].Locality, StringComparer.Ordinal)
            .Select(g => new LocalityGroup(hosts[g.First()].LocalityWeight, [.. g]))];
        // Built on first use: only RING_HASH/MAGLEV clusters pay for a ring.
        Ring = new Lazy<HashRing>(() => HashRing.Build(Routable, ring));
        PanicRing = new Lazy<HashRing>(() => HashRing.Build(Hosts, ring));
    }

    public EndpointSnapshot[] Hosts { get; }
    public InFlightCounter[] Counters { get; }
    public EndpointSnapshot[] Routable { get; }
    public InFlightCounter[] RoutableCounters { get; }
    public LocalityGroup[] Localities { get; }
    public Lazy<HashRing> Ring { get; }

    /// <summary>In panic the ring spans every host of the level, as Envoy's rebuilt ring does.</summary>
    public Lazy<HashRing> PanicRing { get; }
}

/// <param name="Members">Indexes into the level's hosts.</param>
internal sealed record LocalityGroup(uint Weight, int[] Members);
