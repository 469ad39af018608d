using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Ownership;

/// <summary>
/// What the admin port says on a silo that does not run the registries: readiness and the config
/// and registry pages come from the silo that does (the registry lease's holder).
/// </summary>
public sealed class OwnerPages(IGrainFactory grains, TimeProvider time)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>Null when no silo holds the lease, or the holder does not answer.</summary>
    public async Task<(string Holder, IRegistryOwner Owner)?> OwnerAsync()
    {
        try
        {
            var lease = await grains.GetGrain<IRegistryLeaseGrain>(IRegistryLeaseGrain.Key).GetAsync().WaitAsync(Timeout, time);
            return lease is { Holder: { } holder, Owner: { } owner } ? (holder, owner) : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    public async Task<bool> OwnerReadyAsync()
    {
        if (await OwnerAsync() is not { } o) return false;
        try { return await o.Owner.IsReadyAsync().WaitAsync(Timeout, time); }
        catch (Exception) { return false; }
    }

    public async Task<string?> PageAsync(string page)
    {
        if (await OwnerAsync() is not { } o) return null;
        try { return await o.Owner.GetDebugAsync(page).WaitAsync(Timeout, time); }
        catch (Exception) { return null; }
    }
}
