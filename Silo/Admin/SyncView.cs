using Mesh.Grains.Abstractions;
using Mesh.Silo.Xds;

namespace Mesh.Silo.Admin;

/// <summary>
/// One connection's row in /debug/syncz: per type, a status word as istioctl proxy-status shows.
/// A proxy id appears once per connection: two proxies that share a node id are two rows.
/// </summary>
public sealed record SyncView(
    string ProxyId,
    string ConnectionId,
    string Silo,
    string? Namespace,
    string Protocol,
    bool Connected,
    DateTimeOffset ConnectedAt,
    IReadOnlyList<TypeView> Types)
{
    public static SyncView From(ProxyStatus s) => new(
        s.Identity.ProxyId, s.Identity.ConnectionId, s.Identity.Silo, s.Identity.Namespace, s.Identity.Protocol, s.Connected, s.Identity.ConnectedAt,
        [.. s.Types.Select(TypeView.From)]);
}

public sealed record TypeView(
    string Type,
    string TypeUrl,
    string Status,
    string? VersionSent,
    string? VersionAcked,
    IReadOnlyList<string> Resources,
    bool Wildcard,
    string? NackMessage,
    string? NackVersion,
    DateTimeOffset? NackAt)
{
    /// <summary>SYNCED: the last response was ACKed. STALE: sent, not yet ACKed. NACKED: rejected. NOT SENT: nothing sent yet.</summary>
    public static string StatusOf(TypeSyncStatus t) =>
        t.LastNack is not null ? "NACKED"
        : t.VersionSent is null ? "NOT SENT"
        : t.VersionAcked == t.VersionSent ? "SYNCED"
        : "STALE";

    public static TypeView From(TypeSyncStatus t) => new(
        XdsTypes.ShortName(t.TypeUrl), t.TypeUrl, StatusOf(t), t.VersionSent, t.VersionAcked, t.ResourceNames, t.Wildcard,
        t.LastNack?.Message, t.LastNack?.Version, t.LastNack?.At);
}
