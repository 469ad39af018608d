using Mesh.Api.Model;

namespace Mesh.Registries.Updates;

/// <summary>
/// One shard's view as last told to the mesh, and the diff against it: a registry hands over what
/// its source says now (a full relist, or one host) and only what changed reaches the updater. A
/// full relist after the source came back therefore withdraws what vanished meanwhile and leaves
/// the rest untouched, so nothing served flaps. Not thread-safe: one registry loop owns it.
/// </summary>
public sealed class ShardPublisher(ShardKey shard, IMeshUpdater updater)
{
    private Dictionary<string, (MeshService Service, IReadOnlyList<MeshEndpoint> Endpoints)> _published = new(StringComparer.Ordinal);

    public ShardKey Shard => shard;

    public int Hosts => _published.Count;

    public int Endpoints => _published.Values.Sum(v => v.Endpoints.Count);

    public IReadOnlyDictionary<string, (MeshService Service, IReadOnlyList<MeshEndpoint> Endpoints)> Published => _published;

    /// <summary>The source's whole state for this shard: hosts not in it are withdrawn.</summary>
    public async Task<int> PublishAllAsync(IReadOnlyDictionary<string, (MeshService Service, IReadOnlyList<MeshEndpoint> Endpoints)> hosts)
    {
        var changes = 0;
        foreach (var (host, (service, endpoints)) in hosts.OrderBy(h => h.Key, StringComparer.Ordinal))
            if (await PublishAsync(host, service, endpoints)) changes++;
        foreach (var host in _published.Keys.Where(h => !hosts.ContainsKey(h)).ToList())
        {
            await WithdrawAsync(host);
            changes++;
        }
        return changes;
    }

    /// <returns>Whether the updater was called (the host's service or endpoints differ from what was published).</returns>
    public async Task<bool> PublishAsync(string host, MeshService service, IReadOnlyList<MeshEndpoint> endpoints)
    {
        var known = _published.TryGetValue(host, out var old);
        var serviceChanged = !known || !ModelEquality.Same(old.Service, service);
        var endpointsChanged = !known || !ModelEquality.Same(old.Endpoints, endpoints);
        if (!serviceChanged && !endpointsChanged) return false;
        // The service first: endpoints of a host the grain does not know yet have no ports to land on.
        if (serviceChanged) await updater.ServiceChangedAsync(shard, host, service);
        if (endpointsChanged) await updater.EndpointsChangedAsync(shard, host, endpoints);
        _published[host] = (service, endpoints);
        return true;
    }

    /// <summary>Only the endpoints of a host already published changed (a health flip, a scale-up).</summary>
    public async Task<bool> PublishEndpointsAsync(string host, IReadOnlyList<MeshEndpoint> endpoints)
    {
        if (!_published.TryGetValue(host, out var old)) return false;
        return await PublishAsync(host, old.Service, endpoints);
    }

    public async Task WithdrawAsync(string host)
    {
        if (!_published.Remove(host)) return;
        await updater.EndpointsChangedAsync(shard, host, []);
        await updater.ServiceChangedAsync(shard, host, null);
    }
}
