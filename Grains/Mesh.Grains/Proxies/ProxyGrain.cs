using Mesh.Grains.Abstractions;
using Orleans.Placement;

namespace Mesh.Grains.Proxies;

/// <summary>
/// A proxy's xDS state as its stream reports it. The stream is the source of truth while it
/// runs; this grain makes it visible from every silo (proxy-status, syncz).
/// </summary>
[PreferLocalPlacement]
public sealed class ProxyGrain : Grain, IProxyGrain
{
    private ProxyIdentity? _identity;
    private bool _connected;
    private readonly SortedDictionary<string, TypeSyncStatus> _types = new(StringComparer.Ordinal);

    public async Task ConnectedAsync(ProxyIdentity identity)
    {
        _identity = identity;
        _connected = true;
        _types.Clear();
        await GrainFactory.GetGrain<IProxyDirectoryGrain>(IProxyDirectoryGrain.Key).SetConnectedAsync(identity.ProxyId, true);
    }

    public async Task DisconnectedAsync(string silo)
    {
        // A reconnect to another silo may have landed first; only its own silo may disconnect it.
        if (_identity is null || _identity.Silo != silo) return;
        _connected = false;
        await GrainFactory.GetGrain<IProxyDirectoryGrain>(IProxyDirectoryGrain.Key).SetConnectedAsync(_identity.ProxyId, false);
        DeactivateOnIdle();
    }

    public Task RecordTypeAsync(TypeSyncStatus status)
    {
        _types[status.TypeUrl] = status;
        return Task.CompletedTask;
    }

    public Task<ProxyStatus?> GetStatusAsync() =>
        Task.FromResult(_identity is null ? null : new ProxyStatus(_identity, _connected, [.. _types.Values]));
}
