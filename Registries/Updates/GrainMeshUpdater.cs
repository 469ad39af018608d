using Mesh.Api.Model;
using Mesh.Grains.Abstractions;

namespace Mesh.Registries.Updates;

/// <summary>
/// Delivers registry updates to the ServiceGrain of each host. Config is split per host here, so
/// a change to one VirtualService reaches only the hosts it names (and the hosts it stopped naming).
/// </summary>
public sealed class GrainMeshUpdater(IGrainFactory grains) : IMeshUpdater
{
    private readonly SemaphoreSlim _configGate = new(1, 1);
    private Dictionary<string, HostConfig> _lastConfig = new(StringComparer.Ordinal);
    private IReadOnlyList<Sidecar> _lastSidecars = [];

    public Task ServiceChangedAsync(ShardKey shard, string host, MeshService? service) =>
        grains.GetGrain<IServiceGrain>(host).UpdateServiceAsync(shard, service);

    public Task EndpointsChangedAsync(ShardKey shard, string host, IReadOnlyList<MeshEndpoint> endpoints) =>
        grains.GetGrain<IServiceGrain>(host).UpdateEndpointsAsync(shard, endpoints);

    public async Task ConfigChangedAsync(MeshConfig config)
    {
        await _configGate.WaitAsync();
        try
        {
            var next = HostConfigIndex.Build(config);
            var updates = new List<Task>();
            foreach (var (host, hostConfig) in next)
                if (!_lastConfig.TryGetValue(host, out var previous) || !previous.SameAs(hostConfig))
                    updates.Add(grains.GetGrain<IServiceGrain>(host).UpdateConfigAsync(hostConfig.Rule, hostConfig.VirtualServices));
            foreach (var host in _lastConfig.Keys.Where(h => !next.ContainsKey(h)))
                updates.Add(grains.GetGrain<IServiceGrain>(host).UpdateConfigAsync(null, []));
            // Only what this source changed: another silo's source with other files must not be overwritten by an empty list.
            if (!config.Sidecars.SequenceEqual(_lastSidecars))
                updates.Add(grains.GetGrain<IMeshScopeGrain>(IMeshScopeGrain.Key).SetSidecarsAsync(config.Sidecars));
            await Task.WhenAll(updates);
            _lastConfig = next;
            _lastSidecars = config.Sidecars;
        }
        finally
        {
            _configGate.Release();
        }
    }
}
