using Mesh.Api.Model;

namespace Mesh.Registries.Updates;

/// <summary>
/// One shard's view as last told to the mesh, and the diff against it: a registry hands over what
/// its source says now (a full relist, or one host) and only what changed reaches the updater. A
/// full relist after the source came back therefore withdraws what vanished meanwhile and leaves
/// the rest untouched, so nothing served flaps. A host may be published with endpoints only (a null
/// service): the shard adds workloads to a host another shard defines, as the Kubernetes registry
/// does for the pods a ServiceEntry selects. Not thread-safe: one registry loop owns it.
/// </summary>
public sealed class ShardPublisher(ShardKey shard, IMeshUpdater updater)
{
    private readonly Dictionary<string, (MeshService? Service, IReadOnlyList<MeshEndpoint> Endpoints)> _published = new(StringComparer.Ordinal);

    /// <summary>What a proxy would reject is taken out before anything is compared or sent.</summary>
    public RegistryObjectFilter Filter { get; init; } = new(shard);

    public ShardKey Shard => shard;

    /// <summary>Hosts this shard defines a service for (endpoint-only hosts are not counted).</summary>
    public int Hosts => _published.Values.Count(v => v.Service is not null);

    public int Endpoints => _published.Values.Sum(v => v.Endpoints.Count);

    public IReadOnlyDictionary<string, (MeshService? Service, IReadOnlyList<MeshEndpoint> Endpoints)> Published => _published;

    /// <summary>The source's whole state for this shard: hosts not in it are withdrawn.</summary>
    public Task<int> PublishAllAsync(IReadOnlyDictionary<string, (MeshService Service, IReadOnlyList<MeshEndpoint> Endpoints)> hosts) =>
        PublishAllAsync(hosts.Select(h => (h.Key, (MeshService?)h.Value.Service, h.Value.Endpoints)));

    /// <summary>The source's whole state for this shard, endpoint-only hosts (null service) included: hosts not in it are withdrawn.</summary>
    public async Task<int> PublishAllAsync(IEnumerable<(string Host, MeshService? Service, IReadOnlyList<MeshEndpoint> Endpoints)> hosts)
    {
        hosts = Filter.Relisted(hosts);
        var changes = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (host, service, endpoints) in hosts.OrderBy(h => h.Host, StringComparer.Ordinal))
        {
            seen.Add(host);
            if (await PublishAsync(host, service, endpoints)) changes++;
        }
        foreach (var host in _published.Keys.Where(h => !seen.Contains(h)).ToList())
        {
            await WithdrawAsync(host);
            changes++;
        }
        return changes;
    }

    /// <summary>
    /// What the shard says about a host now. A null service publishes endpoints only; a null service
    /// with no endpoints means the shard has nothing for the host, and withdraws what it had.
    /// </summary>
    /// <returns>Whether the updater was called (the host's service or endpoints differ from what was published).</returns>
    public async Task<bool> PublishAsync(string host, MeshService? service, IReadOnlyList<MeshEndpoint> endpoints)
    {
        (service, endpoints) = Filter.Apply(host, service, endpoints);
        var known = _published.TryGetValue(host, out var old);
        if (service is null && endpoints.Count == 0)
        {
            if (!known) return false;
            await WithdrawAsync(host);
            return true;
        }
        var serviceChanged = known ? !ModelEquality.Same(old.Service, service) : service is not null;
        var endpointsChanged = !known || !ModelEquality.Same(old.Endpoints, endpoints);
        if (!serviceChanged && !endpointsChanged) return false;
        // One call per host change: the grain takes service and endpoints together and derives once.
        if (serviceChanged && endpointsChanged) await updater.HostChangedAsync(shard, host, service, endpoints);
        else if (serviceChanged) await updater.ServiceChangedAsync(shard, host, service);
        else await updater.EndpointsChangedAsync(shard, host, endpoints);
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
        if (!_published.Remove(host, out var old)) return;
        if (old.Service is null) await updater.EndpointsChangedAsync(shard, host, []);
        else await updater.HostChangedAsync(shard, host, null, []);
    }
}
