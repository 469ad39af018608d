namespace Mesh.Grains.Abstractions;

/// <summary>
/// One grain per connected proxy (key: node id): who it is, what it subscribed to, what was
/// sent, acked and rejected per type. Written by the xDS stream on whichever silo holds it.
/// </summary>
public interface IProxyGrain : IGrainWithStringKey
{
    Task ConnectedAsync(ProxyIdentity identity);

    Task DisconnectedAsync(string silo);

    Task RecordTypeAsync(TypeSyncStatus status);

    Task<ProxyStatus?> GetStatusAsync();
}

/// <summary>Which proxies exist, for listing them from any silo. Key: <see cref="Key"/>.</summary>
public interface IProxyDirectoryGrain : IGrainWithStringKey
{
    const string Key = "mesh";

    Task SetConnectedAsync(string proxyId, bool connected);

    Task<IReadOnlyList<string>> GetProxiesAsync();
}
