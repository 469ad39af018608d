using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace Mesh.Silo.Xds;

/// <summary>
/// Subscribed name sets shared between streams: proxies of one scope subscribe to the same names
/// (an Envoy's EDS names are every cluster of its view), so a stream whose subscription changed
/// takes an equal set another stream already holds instead of keeping its own, and with it the
/// name strings (at 1,000 hosts about 90 KB a proxy). Entries are weak: a set no stream holds any
/// more is collected, and its entry is swept when the table has grown.
/// </summary>
public sealed class SubscriptionSets
{
    private const int SweepEvery = 1024;
    private readonly ConcurrentDictionary<(long Hash, int Count), WeakReference<ImmutableHashSet<string>>> _sets = new();
    private readonly ConditionalWeakTable<ImmutableHashSet<string>, string[]> _sorted = new();
    private readonly ConditionalWeakTable<ImmutableHashSet<string>, FrozenSet<string>> _lookups = new();
    private int _calls;

    /// <summary>
    /// The set's names in ordinal order, as a stream's recorded status lists them: one array per
    /// set, so shared by every stream that holds the set (and by the statuses they record), and
    /// gone with the set.
    /// </summary>
    public string[] Sorted(ImmutableHashSet<string> names) =>
        _sorted.GetValue(names, static n => [.. n.Order(StringComparer.Ordinal)]);

    /// <summary>
    /// The set for membership tests: a state-of-the-world ACK repeats the whole subscription, and an
    /// immutable set's lookups (a tree) cost several times a frozen set's. One per set, like
    /// <see cref="Sorted"/>, so the streams that share a set share its lookup.
    /// </summary>
    public IReadOnlySet<string> Lookup(ImmutableHashSet<string> names) =>
        _lookups.GetValue(names, static n => n.ToFrozenSet(StringComparer.Ordinal));

    /// <summary>An equal set some stream holds already, else this one (which others may then share).</summary>
    public ImmutableHashSet<string> Share(ImmutableHashSet<string> names)
    {
        if (names.Count == 0) return names;
        long hash = 0;
        foreach (var name in names) hash += StringComparer.Ordinal.GetHashCode(name);
        var key = (hash, names.Count);
        if (Interlocked.Increment(ref _calls) % SweepEvery == 0) Sweep();
        while (true)
        {
            // Atomic: two streams subscribing at once end up with the one set that got in first.
            var weak = _sets.GetOrAdd(key, static (_, n) => new WeakReference<ImmutableHashSet<string>>(n), names);
            if (weak.TryGetTarget(out var held))
                // A different set with the same sum keeps its own, without evicting the other.
                return ReferenceEquals(held, names) || held.SetEquals(names) ? held : names;
            if (_sets.TryUpdate(key, new WeakReference<ImmutableHashSet<string>>(names), weak)) return names;
        }
    }

    private void Sweep()
    {
        foreach (var (key, weak) in _sets)
            if (!weak.TryGetTarget(out _)) _sets.TryRemove(new KeyValuePair<(long, int), WeakReference<ImmutableHashSet<string>>>(key, weak));
    }
}
