using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Admin;

/// <summary>
/// Which connection a debug request means: "?proxy=" takes a connection id, or a proxy id that
/// one connection has. When several have it (two proxies sharing a node id, or a reconnect whose
/// old stream is still closing), the newest is shown and the note says so, naming the others.
/// </summary>
public sealed record ConnectionChoice(ProxyConnection? Connection, string? Note)
{
    public static ConnectionChoice For(string id, IReadOnlyList<ProxyConnection> candidates)
    {
        if (candidates.FirstOrDefault(c => c.ConnectionId == id) is { } exact) return new(exact, null);
        var same = candidates.Where(c => c.ProxyId == id)
            .OrderByDescending(c => c.ConnectedAt).ThenByDescending(c => c.ConnectionId, StringComparer.Ordinal).ToList();
        if (same.Count <= 1) return new(same.FirstOrDefault(), null);
        var newest = same[0];
        return new(newest,
            $"{same.Count} connections have proxy id \"{id}\"; showing the newest, {newest.ConnectionId} (silo {newest.Silo}, connected {newest.ConnectedAt:O}). "
            + "Ask for a connection id to see another: " + string.Join(", ", same.Skip(1).Select(c => c.ConnectionId)));
    }
}
