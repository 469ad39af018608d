using System.Collections.Immutable;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Xds;

/// <summary>
/// What one stream has sent its proxy, per type: its status and the resources it holds, as they
/// were served (scoped view, sourceLabels variant, locality copy) at the version sent. This is
/// what config_dump shows.
/// Kept here and reached through the connection grain (an observer), rather than copied into the
/// grain: the resources are already in this silo's memory, shared with the hub's snapshot, while a
/// copy would be serialized on every push for a page that is read rarely. A config_dump on another
/// silo costs one call to this one. The stream's loop is the only writer; reads come from any
/// thread, so the state is one immutable value replaced whole.
/// </summary>
public sealed class ConnectionView(ProxyIdentity identity) : IProxyConnectionObserver
{
    private static readonly ImmutableSortedDictionary<string, XdsResource> NoResources =
        ImmutableSortedDictionary<string, XdsResource>.Empty.WithComparers(StringComparer.Ordinal);

    private sealed record State(
        ImmutableSortedDictionary<string, TypeSyncStatus> Types,
        ImmutableSortedDictionary<string, ImmutableSortedDictionary<string, XdsResource>> Sent);

    private volatile State _state = new(
        ImmutableSortedDictionary<string, TypeSyncStatus>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableSortedDictionary<string, ImmutableSortedDictionary<string, XdsResource>>.Empty.WithComparers(StringComparer.Ordinal));

    public void Record(TypeSyncStatus status) => _state = _state with { Types = _state.Types.SetItem(status.TypeUrl, status) };

    /// <summary>
    /// A response went out. <paramref name="whole"/>: it carried the type's whole subscribed set
    /// (state-of-the-world LDS/CDS, where absence is deletion); otherwise it adds to what the proxy
    /// holds, less <paramref name="removed"/> (Delta's removed names).
    /// </summary>
    /// <param name="view">
    /// The stream's view of the type when it sent: when the proxy now holds exactly that (a sidecar
    /// that sees its whole scope, the common case), the view's map is kept instead of a copy, so
    /// the streams of one scope share it. Checked by reference, so config_dump still shows exactly
    /// what was sent.
    /// </param>
    /// <param name="following">
    /// While a push is handled: the stream's previous view of the type and every name changed since.
    /// A proxy that held exactly the previous view and was sent all of the change holds the new view
    /// (<see cref="Follows"/>), which it then shares instead of a copy along the changed path.
    /// </param>
    public void Sent(string typeUrl, IReadOnlyCollection<XdsResource> resources, IReadOnlyCollection<string> removed, bool whole,
        ImmutableSortedDictionary<string, XdsResource>? view = null,
        (ImmutableSortedDictionary<string, XdsResource> Previous, IReadOnlySet<string> Changed)? following = null)
    {
        var state = _state;
        var before = whole ? NoResources : state.Sent.GetValueOrDefault(typeUrl, NoResources);
        if (view is not null && HeldView(before, view, resources, removed, whole ? null : following) is { } shared)
        {
            _state = state with { Sent = state.Sent.SetItem(typeUrl, shared) };
            return;
        }
        var held = before.ToBuilder();
        foreach (var name in removed) held.Remove(name);
        foreach (var r in resources) held[r.Name] = r;
        _state = state with { Sent = state.Sent.SetItem(typeUrl, held.ToImmutable()) };
    }

    /// <summary>What the proxy holds of a type, as kept (tests check that a whole view is shared, not copied).</summary>
    internal ImmutableSortedDictionary<string, XdsResource> HeldOf(string typeUrl) => _state.Sent.GetValueOrDefault(typeUrl, NoResources);

    /// <summary>
    /// The view itself when a proxy that held <paramref name="before"/>, then was sent
    /// <paramref name="sent"/> and told <paramref name="removed"/> are gone, now holds exactly the
    /// view: it was sent all of it (<see cref="IsWhole"/>) and held nothing outside it, or it held the
    /// previous view and was sent all of the change (<see cref="Follows"/>). Null otherwise: the
    /// caller keeps its own map. One rule for what a stream records as sent and what a Delta proxy holds.
    /// </summary>
    internal static ImmutableSortedDictionary<string, XdsResource>? HeldView(ImmutableSortedDictionary<string, XdsResource> before,
        ImmutableSortedDictionary<string, XdsResource> view, IReadOnlyCollection<XdsResource> sent, IReadOnlyCollection<string> removed,
        (ImmutableSortedDictionary<string, XdsResource> Previous, IReadOnlySet<string> Changed)? following)
    {
        if (removed.Count == 0 && IsWhole(view, sent) && (ReferenceEquals(before, view) || before.Keys.All(view.ContainsKey))) return view;
        return following is { } f && Follows(before, f.Previous, view, f.Changed, sent, removed) ? view : null;
    }

    /// <summary>
    /// The resources are every resource of the view, as the view holds them (not a locality copy):
    /// a proxy sent them holds the view's own map. Distinct names are the caller's to ensure.
    /// </summary>
    internal static bool IsWhole(ImmutableSortedDictionary<string, XdsResource> view, IReadOnlyCollection<XdsResource> resources)
    {
        if (resources.Count != view.Count || view.Count == 0) return false;
        foreach (var r in resources)
            if (!view.TryGetValue(r.Name, out var held) || !ReferenceEquals(held, r)) return false;
        return true;
    }

    /// <summary>
    /// Whether a proxy that held <paramref name="before"/> holds exactly <paramref name="view"/> once
    /// sent <paramref name="sent"/> and told of <paramref name="removed"/>: it held the previous view
    /// itself (by reference), and every name changed since (<paramref name="changed"/>, which may name
    /// more) is now held as the view holds it (the view's own resource, not a locality copy) or gone
    /// from both. Names not changed are the same in both views, so nothing else needs looking at.
    /// </summary>
    internal static bool Follows(ImmutableSortedDictionary<string, XdsResource> before, ImmutableSortedDictionary<string, XdsResource> previous,
        ImmutableSortedDictionary<string, XdsResource> view, IReadOnlySet<string> changed,
        IReadOnlyCollection<XdsResource> sent, IReadOnlyCollection<string> removed)
    {
        if (!ReferenceEquals(before, previous) || view.Count == 0) return false;
        foreach (var r in sent)
            if (!view.TryGetValue(r.Name, out var held) || !ReferenceEquals(held, r)) return false;
        foreach (var name in removed)
            if (view.ContainsKey(name)) return false;
        // Counted, not looked up, since this runs on every push to every stream: sent and removed
        // names are distinct (the caller's to ensure, as for IsWhole), every name sent is in the view
        // and every name removed is not (checked above), so every changed name still in the view was
        // sent, and every changed name gone from it was removed, exactly when the counts agree.
        int changedKept = 0, changedGone = 0, sentChanged = 0, removedChanged = 0;
        foreach (var name in changed)
        {
            if (view.ContainsKey(name)) changedKept++;
            else if (previous.ContainsKey(name)) changedGone++;
        }
        foreach (var r in sent)
            if (changed.Contains(r.Name)) sentChanged++;
        foreach (var name in removed)
            if (changed.Contains(name) && previous.ContainsKey(name)) removedChanged++;
        return sentChanged == changedKept && removedChanged == changedGone;
    }

    /// <summary>The proxy unsubscribed from some names: it has forgotten them.</summary>
    public void Retain(string typeUrl, Func<string, bool> wanted)
    {
        var state = _state;
        if (!state.Sent.TryGetValue(typeUrl, out var held)) return;
        var gone = held.Keys.Where(n => !wanted(n)).ToList();
        if (gone.Count > 0) _state = state with { Sent = state.Sent.SetItem(typeUrl, held.RemoveRange(gone)) };
    }

    public Task<IReadOnlyList<TypeSyncStatus>> GetTypesAsync() => Task.FromResult<IReadOnlyList<TypeSyncStatus>>([.. _state.Types.Values]);

    public Task<ConnectionConfig> GetConfigAsync()
    {
        var state = _state;
        return Task.FromResult(new ConnectionConfig(identity, [.. state.Types.Values], [.. state.Sent.Values.SelectMany(r => r.Values)]));
    }
}
