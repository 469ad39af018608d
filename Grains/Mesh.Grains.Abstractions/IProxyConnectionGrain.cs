namespace Mesh.Grains.Abstractions;

/// <summary>
/// One xDS stream, Istio's "connection" (key: its connection id, <see cref="ProxyIdentity.ConnectionId"/>):
/// who is on it, what it subscribed to, what was sent, acked and rejected per type. Keyed by
/// connection rather than node id because two proxies may share a node id, and one proxy may hold
/// a new stream while its old one is being torn down; neither may overwrite or hide the other.
/// Written by the stream, in the background, on whichever silo holds it.
/// </summary>
public interface IProxyConnectionGrain : IGrainWithStringKey
{
    /// <summary>The stream started; <paramref name="stream"/> answers for what it sent (config_dump).</summary>
    Task ConnectedAsync(ProxyIdentity identity, IProxyConnectionObserver stream);

    Task DisconnectedAsync();

    /// <summary>The latest state of some types (a stream sends only the newest per type, at most once per its interval).</summary>
    Task RecordTypesAsync(IReadOnlyList<TypeSyncStatus> types);

    /// <summary>The stream's status, asked of the stream itself while it runs; what it last recorded when it cannot be asked.</summary>
    Task<ProxyStatus?> GetStatusAsync();

    /// <summary>What the stream sent, asked of the stream itself; null once it ended or cannot be reached.</summary>
    Task<ConnectionConfig?> GetConfigAsync();
}

/// <summary>A stream, as its connection grain reaches it from any silo.</summary>
public interface IProxyConnectionObserver : IGrainObserver
{
    Task<ConnectionConfig> GetConfigAsync();

    /// <summary>The stream's sync status per type, as of now.</summary>
    Task<IReadOnlyList<TypeSyncStatus>> GetTypesAsync();
}
