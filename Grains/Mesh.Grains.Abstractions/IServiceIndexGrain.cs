namespace Mesh.Grains.Abstractions;

/// <summary>
/// The set of hosts that exist, so a hub serving a wildcard (CDS/LDS) subscription knows which
/// ServiceGrains to follow. Key: <see cref="Key"/>.
/// </summary>
public interface IServiceIndexGrain : IGrainWithStringKey
{
    const string Key = "mesh";

    Task SetPresentAsync(string host, bool present);

    /// <summary>Null while a new activation has not recovered the list yet.</summary>
    Task<IReadOnlyList<string>?> GetHostsAsync();

    Task SubscribeAsync(IPushHubObserver hub);

    Task UnsubscribeAsync(IPushHubObserver hub);
}
