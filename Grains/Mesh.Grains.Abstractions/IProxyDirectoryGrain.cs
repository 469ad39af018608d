namespace Mesh.Grains.Abstractions;

/// <summary>
/// Which proxy connections exist, for listing and finding them from any silo. Key: <see cref="Key"/>.
/// Connection grains renew their entry periodically; one not renewed in time is dropped, so a
/// crashed silo's connections leave the list and an activation re-created elsewhere learns the
/// live ones back within one renewal.
/// </summary>
public interface IProxyDirectoryGrain : IGrainWithStringKey
{
    const string Key = "mesh";

    /// <summary>Adds or renews (connected) or removes a connection.</summary>
    Task SetConnectedAsync(ProxyConnection connection, bool connected);

    Task<IReadOnlyList<ProxyConnection>> GetConnectionsAsync();

    /// <summary>The connection with this connection id, else every connection with this proxy id.</summary>
    Task<IReadOnlyList<ProxyConnection>> FindAsync(string id);
}
