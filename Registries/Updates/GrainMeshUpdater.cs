using Mesh.Api.Retry;
using Mesh.Api.Hosts;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;

namespace Mesh.Registries.Updates;

/// <summary>
/// Delivers registry updates to the ServiceGrain of each host. Config is split per host here, so
/// a change to one VirtualService reaches only the hosts it names (and the hosts it stopped naming).
/// Every update is recorded in <see cref="PublishedState"/> first, and calls to one host go one at
/// a time, so what a grain is told arrives in order and a reactivated grain can be rebuilt. A call
/// that fails (its silo just died) is retried until the grain answers from a live silo.
/// </summary>
/// <param name="domain">The cluster domain short hosts in config are qualified with (Istio's cluster.local, or --kube-domain).</param>
public sealed class GrainMeshUpdater(IGrainFactory grains, PublishedState published, TimeProvider time, string domain) : IMeshUpdater
{
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);
    // 100 ms doubling to 2 s: one caller per host, so no jitter is needed to spread them.
    private static readonly Backoff Retries = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));
    private readonly SemaphoreSlim _configGate = new(1, 1);
    private readonly KeyedGate _hosts = new();
    private Dictionary<string, HostConfig> _lastConfig = new(StringComparer.Ordinal);
    private IReadOnlyList<Sidecar> _lastSidecars = [];

    public GrainMeshUpdater(IGrainFactory grains) : this(grains, new PublishedState(), TimeProvider.System, HostName.DefaultDomain) { }

    public Task ServiceChangedAsync(ShardKey shard, string host, MeshService? service) => ForHostAsync(host, () =>
    {
        published.SetService(shard, host, service);
        return () => grains.GetGrain<IServiceGrain>(host).UpdateServiceAsync(shard, service);
    });

    public Task EndpointsChangedAsync(ShardKey shard, string host, IReadOnlyList<MeshEndpoint> endpoints) => ForHostAsync(host, () =>
    {
        published.SetEndpoints(shard, host, endpoints);
        return () => grains.GetGrain<IServiceGrain>(host).UpdateEndpointsAsync(shard, endpoints);
    });

    public Task HostChangedAsync(ShardKey shard, string host, MeshService? service, IReadOnlyList<MeshEndpoint> endpoints) => ForHostAsync(host, () =>
    {
        published.SetService(shard, host, service);
        published.SetEndpoints(shard, host, endpoints);
        return () => grains.GetGrain<IServiceGrain>(host).UpdateShardAsync(shard, service, endpoints);
    });

    public async Task ConfigChangedAsync(MeshConfig config)
    {
        await _configGate.WaitAsync();
        try
        {
            var next = HostConfigIndex.Build(config, domain);
            var updates = new List<Task>();
            foreach (var (host, hostConfig) in next)
                if (!_lastConfig.TryGetValue(host, out var previous) || !previous.SameAs(hostConfig))
                    updates.Add(ForHostAsync(host, () =>
                    {
                        published.SetConfig(host, hostConfig);
                        return () => grains.GetGrain<IServiceGrain>(host).UpdateConfigAsync(hostConfig.Rule, hostConfig.VirtualServices);
                    }));
            foreach (var host in _lastConfig.Keys.Where(h => !next.ContainsKey(h)))
                updates.Add(ForHostAsync(host, () =>
                {
                    published.SetConfig(host, null);
                    return () => grains.GetGrain<IServiceGrain>(host).UpdateConfigAsync(null, []);
                }));
            // Only what this source changed: another silo's source with other files must not be overwritten by an empty list.
            if (!config.Sidecars.SequenceEqual(_lastSidecars))
            {
                published.SetSidecars(config.Sidecars);
                updates.Add(RetryAsync(() => grains.GetGrain<IMeshScopeGrain>(IMeshScopeGrain.Key).SetSidecarsAsync(config.Sidecars)));
            }
            await Task.WhenAll(updates);
            _lastConfig = next;
            _lastSidecars = config.Sidecars;
        }
        finally
        {
            _configGate.Release();
        }
    }

    /// <summary>
    /// Tells the host's grain everything recorded for it, replacing what it holds: after this silo
    /// took the registries over, for hosts the previous owner published and this one may not have.
    /// </summary>
    public Task ReplaceAsync(string host) => ForHostAsync(host, () =>
    {
        var state = published.StateOf(host);
        return () => grains.GetGrain<IServiceGrain>(host).ReplaceStateAsync(state);
    });

    private async Task ForHostAsync(string host, Func<Func<Task>> record)
    {
        using var _ = await _hosts.EnterAsync(host);
        var call = record();
        await RetryAsync(call);
    }

    private async Task RetryAsync(Func<Task> call)
    {
        var deadline = time.GetUtcNow() + RetryFor;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && time.GetUtcNow() < deadline)
            {
                // A silo that died holds the grain until the cluster declares it dead; then the call lands elsewhere.
                await Task.Delay(Retries.Delay(attempt, jitter: 1), time);
            }
        }
    }
}
