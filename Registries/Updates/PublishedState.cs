using Mesh.Api.Model;
using Mesh.Grains.Abstractions;

namespace Mesh.Registries.Updates;

/// <summary>
/// What this silo's registries last told the grains, per host: each shard's service and endpoints,
/// and the routing config. Written before each grain call, so an answer read from it is never older
/// than a call in flight. It is what a grain reactivated elsewhere is rebuilt from.
/// </summary>
public sealed class PublishedState
{
    private readonly object _gate = new();
    private readonly Dictionary<string, HostRecord> _hosts = new(StringComparer.Ordinal);
    private IReadOnlyList<Sidecar> _sidecars = [];

    private sealed class HostRecord
    {
        public SortedDictionary<string, ShardService> Services { get; } = new(StringComparer.Ordinal);
        public SortedDictionary<string, ShardEndpoints> Endpoints { get; } = new(StringComparer.Ordinal);
        public HostConfig? Config { get; set; }

        public bool Empty => Services.Count == 0 && Endpoints.Count == 0 && Config is null;
    }

    public void SetService(ShardKey shard, string host, MeshService? service) => Edit(host, r =>
    {
        if (service is null) r.Services.Remove(shard.ToString());
        else r.Services[shard.ToString()] = new ShardService(shard, service);
    });

    public void SetEndpoints(ShardKey shard, string host, IReadOnlyList<MeshEndpoint> endpoints) => Edit(host, r =>
    {
        if (endpoints.Count == 0) r.Endpoints.Remove(shard.ToString());
        else r.Endpoints[shard.ToString()] = new ShardEndpoints(shard, endpoints);
    });

    public void SetConfig(string host, HostConfig? config) => Edit(host, r => r.Config = config);

    public void SetSidecars(IReadOnlyList<Sidecar> sidecars)
    {
        lock (_gate) _sidecars = sidecars;
    }

    public IReadOnlyList<Sidecar> Sidecars
    {
        get { lock (_gate) return _sidecars; }
    }

    /// <summary>Everything published for the host; empty when nothing is.</summary>
    public HostState StateOf(string host)
    {
        lock (_gate)
        {
            if (!_hosts.TryGetValue(host, out var r)) return HostState.Empty(host);
            return new HostState(host, [.. r.Services.Values], [.. r.Endpoints.Values], r.Config?.Rule, r.Config?.VirtualServices ?? []);
        }
    }

    public bool Knows(string host)
    {
        lock (_gate) return _hosts.ContainsKey(host);
    }

    /// <summary>Hosts some shard defines a service for, as the index lists them.</summary>
    public IReadOnlyList<string> PresentHosts()
    {
        lock (_gate) return [.. _hosts.Where(h => h.Value.Services.Count > 0).Select(h => h.Key).Order(StringComparer.Ordinal)];
    }

    private void Edit(string host, Action<HostRecord> edit)
    {
        lock (_gate)
        {
            if (!_hosts.TryGetValue(host, out var record)) _hosts[host] = record = new HostRecord();
            edit(record);
            if (record.Empty) _hosts.Remove(host);
        }
    }
}
