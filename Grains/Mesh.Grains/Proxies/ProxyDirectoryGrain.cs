using Mesh.Grains.Abstractions;

namespace Mesh.Grains.Proxies;

/// <summary>
/// The connected proxies' connections, by connection id. Written on connect, disconnect and each
/// renewal; an entry not renewed for <see cref="Expiry"/> belonged to a silo that is gone.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed class ProxyDirectoryGrain(TimeProvider time) : Grain, IProxyDirectoryGrain
{
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(95);

    private readonly SortedDictionary<string, (ProxyConnection Connection, DateTimeOffset Renewed)> _connections = new(StringComparer.Ordinal);

    public Task SetConnectedAsync(ProxyConnection connection, bool connected)
    {
        if (connected) _connections[connection.ConnectionId] = (connection, time.GetUtcNow());
        else _connections.Remove(connection.ConnectionId);
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
        var cutoff = time.GetUtcNow() - Expiry;
        foreach (var stale in _connections.Where(c => c.Value.Renewed < cutoff).Select(c => c.Key).ToList())
            _connections.Remove(stale);
        return [.. _connections.Values.Select(c => c.Connection)];
    }
}
