using Mesh.Api.Hosts;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Grains.Services;

/// <summary>
/// Holds one host's model and derives its Envoy resources once per change, so the cost of a
/// change is paid once per host, not once per proxy. Hubs (one per silo) are told of changes.
/// State lives in memory; a new activation (its silo died, or its directory entry was lost) takes
/// it back from the registry owner before it tells anyone anything, so a lost activation never
/// makes a host vanish. Until then it answers "unknown", and hubs keep what they had.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class ServiceGrain(TimeProvider time, ILogger<ServiceGrain> logger, IServiceProvider services) : Grain, IServiceGrain
{
    private ServiceState _state = new();
    private readonly HubSubscriptions _hubs = new(time);
    private readonly OwnerRecovery? _recovery = services.GetService<OwnerRecovery>();
    private readonly string _domain = (services.GetService<ClusterDomain>() ?? ClusterDomain.Default).Name;
    private ServiceFragments? _fragments;
    // The last derivation, and whether only endpoints changed since: then routes are not rebuilt.
    private ServiceFragmentBuilder.Output? _output;
    private bool _endpointsOnly;
    private bool _present;
    private bool _synced;

    private string Host => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_recovery is null)
        {
            _synced = true;
            _fragments = new ServiceFragments(Host, "", [], Removed: true, time.GetUtcNow());
            return;
        }
        // Awaited here, so updates queue behind it and land on the recovered state in order. The owner
        // answers from what it recorded before sending, so an update in flight is already in the answer.
        await _recovery.RecoverAsync(this, TryRecoverAsync, () => Task.CompletedTask);
    }

    private async Task<bool> TryRecoverAsync()
    {
        var state = await _recovery!.AskAsync(GrainFactory, owner => owner.GetHostStateAsync(Host));
        if (state is null) return false;
        Apply(state);
        _synced = true;
        LogRecovered(logger, Host, state.Services.Count, state.Endpoints.Sum(e => e.Endpoints.Count));
        await RederiveAsync();
        return true;
    }

    private void Apply(HostState state)
    {
        _endpointsOnly = false;
        _state = new ServiceState();
        foreach (var s in state.Services) _state.SetService(s.Shard, s.Service);
        foreach (var e in state.Endpoints) _state.SetEndpoints(e.Shard, e.Endpoints);
        _state.Rule = state.Rule;
        _state.VirtualServices = state.VirtualServices;
    }

    public Task UpdateServiceAsync(ShardKey shard, MeshService? service)
    {
        _endpointsOnly = false;
        _state.SetService(shard, service);
        return RederiveAsync();
    }

    public Task UpdateEndpointsAsync(ShardKey shard, IReadOnlyList<MeshEndpoint> endpoints)
    {
        _endpointsOnly = _output is not null;
        _state.SetEndpoints(shard, endpoints);
        return RederiveAsync();
    }

    public Task UpdateShardAsync(ShardKey shard, MeshService? service, IReadOnlyList<MeshEndpoint> endpoints)
    {
        _endpointsOnly = false;
        _state.SetService(shard, service);
        _state.SetEndpoints(shard, endpoints);
        return RederiveAsync();
    }

    public Task UpdateConfigAsync(DestinationRule? rule, IReadOnlyList<VirtualService> virtualServices)
    {
        _endpointsOnly = false;
        _state.Rule = rule;
        _state.VirtualServices = virtualServices;
        return RederiveAsync();
    }

    public Task ReplaceStateAsync(HostState state)
    {
        Apply(state);
        _synced = true;
        return RederiveAsync();
    }

    /// <summary>Null while a new activation has not recovered its state yet.</summary>
    public Task<ServiceFragments?> GetFragmentsAsync() => Task.FromResult(_fragments);

    public Task SubscribeAsync(IPushHubObserver hub)
    {
        // An activation that has not recovered yet says nothing: the hub keeps what it has.
        if (_hubs.Add(hub) && _fragments is not null) hub.OnServiceChanged(_fragments).Ignore();
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IPushHubObserver hub)
    {
        _hubs.Remove(hub);
        return Task.CompletedTask;
    }

    private async Task RederiveAsync()
    {
        if (!_synced) return;
        var service = _state.MergedService();
        var output = service is null
            ? new ServiceFragmentBuilder.Output([], [], new Dictionary<int, IReadOnlyList<XdsResource>>())
            : _endpointsOnly && _output is { } previous
                ? ServiceFragmentBuilder.RebuildEndpoints(previous, service, _state.MergedEndpoints(), _state.Rule, _state.VirtualServices, _domain)
                : ServiceFragmentBuilder.BuildWithVariants(service, _state.MergedEndpoints(), _state.Rule, _state.VirtualServices, _domain);
        _output = service is null ? null : output;
        _endpointsOnly = false;
        var resources = output.Resources;
        var version = ContentVersion.Of(output.All, $"{service?.Namespace}|{string.Join(',', service?.ExportTo ?? [])}");
        if (_fragments is { } current && current.Version == version && current.Removed == (service is null)) return;

        _fragments = new ServiceFragments(Host, version, resources, Removed: service is null, time.GetUtcNow(),
            service?.Namespace ?? "", service?.ExportTo ?? [], output.Selectors, output.Variants, output.Localities);
        LogDerived(logger, Host, version, resources.Count, _hubs.Count);
        foreach (var hub in _hubs.Live()) hub.OnServiceChanged(_fragments).Ignore();

        if (_present != service is not null)
        {
            _present = service is not null;
            await GrainFactory.GetGrain<IServiceIndexGrain>(IServiceIndexGrain.Key).SetPresentAsync(Host, _present);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Derived {Host} version {Version}: {Resources} resources, {Hubs} hubs")]
    private static partial void LogDerived(ILogger logger, string host, string version, int resources, int hubs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered {Host} from the registry owner: {Services} shard services, {Endpoints} endpoints")]
    private static partial void LogRecovered(ILogger logger, string host, int services, int endpoints);
}
