using Mesh.Api.Model;

namespace Mesh.Grains.Abstractions;

/// <summary>
/// Mesh-wide config that decides what each proxy may see (Sidecar resources), so every silo's
/// hub scopes its proxies alike. Key: <see cref="Key"/>.
/// </summary>
public interface IMeshScopeGrain : IGrainWithStringKey
{
    const string Key = "mesh";

    Task SetSidecarsAsync(IReadOnlyList<Sidecar> sidecars);

    /// <summary>Null while a new activation has not recovered them yet.</summary>
    Task<IReadOnlyList<Sidecar>?> GetSidecarsAsync();

    Task SubscribeAsync(IPushHubObserver hub);

    Task UnsubscribeAsync(IPushHubObserver hub);
}
