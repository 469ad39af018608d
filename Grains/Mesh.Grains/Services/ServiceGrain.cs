using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Mesh.Grains.Services;

/// <summary>
/// Holds one host's model and derives its Envoy resources once per change, so the cost of a
/// change is paid once per host, not once per proxy. Hubs (one per silo) are told of changes.
/// Kept active: its state is the registries' last word, which they only resend on resync.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class ServiceGrain(TimeProvider time, ILogger<ServiceGrain> logger) : Grain, IServiceGrain
{
    private readonly ServiceState _state = new();
    private readonly HubSubscriptions _hubs = new(time);
    private ServiceFragments? _fragments;
    private bool _present;

    private string Host => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _fragments = new ServiceFragments(Host, "", [], Removed: true, time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task UpdateServiceAsync(ShardKey shard, MeshService? service)
    {
        _state.SetService(shard, service);
        return RederiveAsync();
    }

    public Task UpdateEndpointsAsync(ShardKey shard, IReadOnlyList<MeshEndpoint> endpoints)
    {
        _state.SetEndpoints(shard, endpoints);
        return RederiveAsync();
    }

    public Task UpdateConfigAsync(DestinationRule? rule, IReadOnlyList<VirtualService> virtualServices)
    {
        _state.Rule = rule;
        _state.VirtualServices = virtualServices;
        return RederiveAsync();
    }

    public Task<ServiceFragments> GetFragmentsAsync() => Task.FromResult(_fragments!);

    public Task SubscribeAsync(IPushHubObserver hub)
    {
        if (_hubs.Add(hub)) hub.OnServiceChanged(_fragments!).Ignore();
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IPushHubObserver hub)
    {
        _hubs.Remove(hub);
        return Task.CompletedTask;
    }

    private async Task RederiveAsync()
    {
        var service = _state.MergedService();
        var output = service is null
            ? new ServiceFragmentBuilder.Output([], [], new Dictionary<int, IReadOnlyList<XdsResource>>())
            : ServiceFragmentBuilder.BuildWithVariants(service, _state.MergedEndpoints(), _state.Rule, _state.VirtualServices);
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
}
