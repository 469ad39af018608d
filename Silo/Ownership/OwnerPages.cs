using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Ownership;

/// <summary>
/// What the admin port says on a silo that does not run the registries: readiness and the config
/// and registry pages come from the silo that does (the registry lease's holder), asked as grains
/// ask it when they recover (<see cref="OwnerRecovery"/>: bounded waits, null when nobody answers).
/// </summary>
public sealed class OwnerPages(IGrainFactory grains, OwnerRecovery recovery)
{
    public async Task<bool> OwnerReadyAsync() =>
        await recovery.AskAsync<object>(grains, async owner => await owner.IsReadyAsync()) is true;

    /// <summary>The page as JSON; null when no silo holds the lease, or the holder does not answer.</summary>
    public Task<string?> PageAsync(string page) => recovery.AskAsync<string>(grains, owner => owner.GetDebugAsync(page)!);
}
