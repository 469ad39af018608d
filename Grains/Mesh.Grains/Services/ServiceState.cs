using Mesh.Api.Model;

namespace Mesh.Grains.Services;

/// <summary>
/// What every shard says about one host, merged. Shards never overwrite each other; the merged
/// service takes the first shard's attributes and the union of all shards' ports and endpoints.
/// Shards rank as Istio's aggregate registry does: Kubernetes first, then ServiceEntries, then the
/// rest (Consul); by name within a rank, so the result never depends on arrival order.
/// </summary>
internal sealed class ServiceState
{
    private readonly SortedDictionary<string, (ShardKey Shard, MeshService Service)> _services = new(StringComparer.Ordinal);

    // Sort keys: the rank digit first, then the shard's name.
    private static string Key(ShardKey shard) => shard.Registry switch
    {
        "Kubernetes" => "0",
        "ServiceEntry" => "1",
        _ => "2",
    } + shard;
    private readonly SortedDictionary<string, IReadOnlyList<MeshEndpoint>> _endpoints = new(StringComparer.Ordinal);

    public DestinationRule? Rule { get; set; }

    public IReadOnlyList<VirtualService> VirtualServices { get; set; } = [];

    public bool SetService(ShardKey shard, MeshService? service)
    {
        var key = Key(shard);
        if (service is null) return _services.Remove(key);
        if (_services.TryGetValue(key, out var existing) && existing.Service == service) return false;
        _services[key] = (shard, service);
        return true;
    }

    public void SetEndpoints(ShardKey shard, IReadOnlyList<MeshEndpoint> endpoints)
    {
        if (endpoints.Count == 0) _endpoints.Remove(shard.ToString());
        else _endpoints[shard.ToString()] = endpoints;
    }

    /// <summary>The merged service, or null when no shard defines the host.</summary>
    public MeshService? MergedService()
    {
        if (_services.Count == 0) return null;
        var first = _services.Values.First().Service;
        if (_services.Count == 1) return first;
        var ports = _services.Values.SelectMany(s => s.Service.Ports)
            .GroupBy(p => p.Number).Select(g => g.First()).OrderBy(p => p.Number).ToList();
        return first with { Ports = ports };
    }

    public IReadOnlyList<MeshEndpoint> MergedEndpoints() => [.. _endpoints.Values.SelectMany(e => e)];
}
