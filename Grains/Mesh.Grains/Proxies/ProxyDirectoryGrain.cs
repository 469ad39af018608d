using Mesh.Grains.Abstractions;

namespace Mesh.Grains.Proxies;

/// <summary>The ids of connected proxies. Written on connect and disconnect only.</summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed class ProxyDirectoryGrain : Grain, IProxyDirectoryGrain
{
    private readonly SortedSet<string> _proxies = new(StringComparer.Ordinal);

    public Task SetConnectedAsync(string proxyId, bool connected)
    {
        if (connected) _proxies.Add(proxyId);
        else _proxies.Remove(proxyId);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> GetProxiesAsync() => Task.FromResult<IReadOnlyList<string>>([.. _proxies]);
}
