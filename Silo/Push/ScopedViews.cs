using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Push;

/// <summary>
/// Istio's SidecarScope: the proxies of one scope (namespace, the Sidecar that applies, and the
/// labels any sourceLabels selector looks at) see the same view of a snapshot, so it is derived
/// once per snapshot and scope and shared by their streams, as is the change between two views.
/// Entries live as long as the snapshot they were derived from.
/// </summary>
public sealed class ScopedViews
{
    private readonly ConditionalWeakTable<ResourceSnapshot, Entry> _bySnapshot = new();

    private sealed class Entry(ResourceSnapshot full)
    {
        /// <summary>Label keys any host's sourceLabels selector reads: the only labels that change a view.</summary>
        public IReadOnlySet<string> SelectorKeys { get; } =
            full.Hosts.SelectMany(h => h.Selectors ?? []).SelectMany(s => s.Keys).ToHashSet(StringComparer.Ordinal);

        public ConcurrentDictionary<string, ResourceSnapshot> Views { get; } = new(StringComparer.Ordinal);
    }

    // Per view, the changes into it by the view they are the change from.
    private readonly ConditionalWeakTable<ResourceSnapshot, ConditionalWeakTable<ResourceSnapshot, ImmutableDictionary<string, ImmutableHashSet<string>>>> _diffs = new();

    /// <summary>The proxy's view of the snapshot, shared with every proxy of the same scope.</summary>
    public ResourceSnapshot ViewOf(ProxyScope scope, ResourceSnapshot full)
    {
        var entry = _bySnapshot.GetValue(full, f => new Entry(f));
        return entry.Views.GetOrAdd(Key(scope, entry.SelectorKeys), _ => scope.Apply(full));
    }

    /// <summary>What changed from one view to the next; computed once for all streams that held the same view.</summary>
    public ImmutableDictionary<string, ImmutableHashSet<string>> DiffOf(ResourceSnapshot previousView, ResourceSnapshot view) =>
        _diffs.GetValue(view, _ => new()).GetValue(previousView, p => SnapshotBuilder.Diff(p, view));

    private static string Key(ProxyScope scope, IReadOnlySet<string> selectorKeys)
    {
        var labels = selectorKeys.Count == 0
            ? ""
            : string.Join(",", scope.Labels.Where(kv => selectorKeys.Contains(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        return $"{scope.Namespace}\n{scope.Sidecar?.Meta.Key}\n{labels}";
    }
}
