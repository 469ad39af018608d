using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Tests.Xds;

/// <summary>
/// A connection grain whose every call first passes a gate the test controls: one that blocks
/// (a grain on a silo that just died) or throws (an unreachable one), then the real grain.
/// </summary>
internal sealed class GatedConnectionGrain(IProxyConnectionGrain real, Func<Task> gate) : IProxyConnectionGrain
{
    public async Task ConnectedAsync(ProxyIdentity identity, IProxyConnectionObserver stream)
    {
        await gate();
        await real.ConnectedAsync(identity, stream);
    }

    public async Task DisconnectedAsync()
    {
        await gate();
        await real.DisconnectedAsync();
    }

    public async Task RecordTypesAsync(IReadOnlyList<TypeSyncStatus> types)
    {
        await gate();
        await real.RecordTypesAsync(types);
    }

    public async Task<ProxyStatus?> GetStatusAsync()
    {
        await gate();
        return await real.GetStatusAsync();
    }

    public async Task<ConnectionConfig?> GetConfigAsync()
    {
        await gate();
        return await real.GetConfigAsync();
    }
}
