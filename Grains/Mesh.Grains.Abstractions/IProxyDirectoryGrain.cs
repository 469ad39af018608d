namespace Mesh.Grains.Abstractions;

/// <summary>
/// Which proxy connections exist, for listing and finding them from any silo. Key: <see cref="Key"/>.
/// Each silo renews all its live connections every <see cref="RenewEvery"/>, in a few batched
/// calls; one not renewed within <see cref="Expiry"/> is dropped, so a crashed silo's connections
/// leave the list and an activation re-created elsewhere learns the live ones back within one
/// renewal.
/// </summary>
public interface IProxyDirectoryGrain : IGrainWithStringKey
{
    const string Key = "mesh";

    static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);
    static readonly TimeSpan Expiry = TimeSpan.FromSeconds(95);

    /// <summary>Adds (connected) or removes a connection, as its stream connects and ends.</summary>
    Task SetConnectedAsync(ProxyConnection connection, bool connected);

    /// <summary>
    /// Adds or renews a silo's live connections. A connection removed within <see cref="Expiry"/>
    /// stays removed: a renewal taken before its stream ended may arrive after the removal.
    /// </summary>
    Task RenewAsync(IReadOnlyList<ProxyConnection> connections);

    Task<IReadOnlyList<ProxyConnection>> GetConnectionsAsync();

    /// <summary>The connection with this connection id, else every connection with this proxy id.</summary>
    Task<IReadOnlyList<ProxyConnection>> FindAsync(string id);
}
