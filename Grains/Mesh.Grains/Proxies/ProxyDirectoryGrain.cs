using Mesh.Grains.Abstractions;

namespace Mesh.Grains.Proxies;

/// <summary>
/// The connected proxies' connections, by connection id. Written on connect, disconnect and each
/// silo's batched renewal; an entry not renewed for <see cref="Expiry"/> belonged to a silo that is
/// gone. Removed connections are remembered as long, so a late renewal does not bring one back.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed class ProxyDirectoryGrain(TimeProvider time) : Grain, IProxyDirectoryGrain
{
    public static TimeSpan RenewEvery => IProxyDirectoryGrain.RenewEvery;
    public static TimeSpan Expiry => IProxyDirectoryGrain.Expiry;

    private readonly SortedDictionary<string, (ProxyConnection Connection, DateTimeOffset Renewed)> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _removed = new(StringComparer.Ordinal);
    private DateTimeOffset _pruned = DateTimeOffset.MinValue;

    public Task SetConnectedAsync(ProxyConnection connection, bool connected)
    {
        var now = time.GetUtcNow();
        if (connected)
        {
            _connections[connection.ConnectionId] = (connection, now);
            _removed.Remove(connection.ConnectionId);
        }
        else
        {
            _connections.Remove(connection.ConnectionId);
            _removed[connection.ConnectionId] = now;
        }
        return Task.CompletedTask;
    }

    public Task RenewAsync(IReadOnlyList<ProxyConnection> connections)
    {
        var now = time.GetUtcNow();
        foreach (var connection in connections)
            if (!_removed.ContainsKey(connection.ConnectionId))
                _connections[connection.ConnectionId] = (connection, now);
        // Renewals come every period even when nobody lists: expired entries and old removals go
        // here too, at most once a period, so neither grows with disconnects between listings.
        if (now - _pruned >= RenewEvery) Prune(now);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ProxyConnection>> GetConnectionsAsync() => Task.FromResult<IReadOnlyList<ProxyConnection>>(Live());

    public Task<IReadOnlyList<ProxyConnection>> FindAsync(string id)
    {
        var live = Live();
        var exact = live.Where(c => c.ConnectionId == id).ToList();
        return Task.FromResult<IReadOnlyList<ProxyConnection>>(exact.Count > 0 ? exact : [.. live.Where(c => c.ProxyId == id)]);
    }

    private List<ProxyConnection> Live()
    {
        Prune(time.GetUtcNow());
        return [.. _connections.Values.Select(c => c.Connection)];
    }

    private void Prune(DateTimeOffset now)
    {
        _pruned = now;
        var cutoff = now - Expiry;
        foreach (var stale in _connections.Where(c => c.Value.Renewed < cutoff).Select(c => c.Key).ToList())
            _connections.Remove(stale);
        foreach (var forgotten in _removed.Where(r => r.Value < cutoff).Select(r => r.Key).ToList())
            _removed.Remove(forgotten);
    }

    /// <summary>Removals still remembered (tests check they do not pile up).</summary>
    internal int RemovalsRemembered => _removed.Count;
}
