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
    public void Sent(string typeUrl, IEnumerable<XdsResource> resources, IEnumerable<string> removed, bool whole)
    {
        var state = _state;
        var held = (whole ? NoResources : state.Sent.GetValueOrDefault(typeUrl, NoResources)).ToBuilder();
        foreach (var name in removed) held.Remove(name);
        foreach (var r in resources) held[r.Name] = r;
        _state = state with { Sent = state.Sent.SetItem(typeUrl, held.ToImmutable()) };
    }

    /// <summary>The proxy unsubscribed from some names: it has forgotten them.</summary>
    public void Retain(string typeUrl, Func<string, bool> wanted)
    {
        var state = _state;
        if (!state.Sent.TryGetValue(typeUrl, out var held)) return;
        var gone = held.Keys.Where(n => !wanted(n)).ToList();
        if (gone.Count > 0) _state = state with { Sent = state.Sent.SetItem(typeUrl, held.RemoveRange(gone)) };
    }

    public Task<ConnectionConfig> GetConfigAsync()
    {
        var state = _state;
        return Task.FromResult(new ConnectionConfig(identity, [.. state.Types.Values], [.. state.Sent.Values.SelectMany(r => r.Values)]));
    }
}
