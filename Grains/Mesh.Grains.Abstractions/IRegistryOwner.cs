using Mesh.Api.Model;

namespace Mesh.Grains.Abstractions;

/// <summary>
/// The silo holding the registry lease, as seen by grains and other silos. Its registries' last
/// word is the truth grains are rebuilt from: a grain reactivated after its silo died asks here for
/// what it held, instead of starting empty.
/// </summary>
public interface IRegistryOwner : IGrainObserver
{
    /// <summary>Everything published for a host; null while the owner's registries have not synced yet.</summary>
    Task<HostState?> GetHostStateAsync(string host);

    /// <summary>Hosts some shard defines a service for; null while not synced yet.</summary>
    Task<IReadOnlyList<string>?> GetHostsAsync();

    /// <summary>The Sidecar resources in force; null while not synced yet.</summary>
    Task<IReadOnlyList<Sidecar>?> GetSidecarsAsync();

    /// <summary>Whether the owner serves its config (every source loaded).</summary>
    Task<bool> IsReadyAsync();

    /// <summary>/debug/configz and /debug/registryz as the owner renders them (JSON).</summary>
    Task<string> GetDebugAsync(string page);
}
