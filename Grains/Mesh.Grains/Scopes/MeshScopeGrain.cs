using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Grains.Services;

namespace Mesh.Grains.Scopes;

/// <summary>Holds the Sidecar resources and tells every hub when they change.</summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed class MeshScopeGrain(TimeProvider time) : Grain, IMeshScopeGrain
{
    private readonly HubSubscriptions _hubs = new(time);
    private IReadOnlyList<Sidecar> _sidecars = [];

    public Task SetSidecarsAsync(IReadOnlyList<Sidecar> sidecars)
    {
        if (sidecars.SequenceEqual(_sidecars)) return Task.CompletedTask;
        _sidecars = sidecars;
        foreach (var hub in _hubs.Live()) hub.OnSidecarsChanged(_sidecars).Ignore();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Sidecar>> GetSidecarsAsync() => Task.FromResult(_sidecars);

    public Task SubscribeAsync(IPushHubObserver hub)
    {
        if (_hubs.Add(hub)) hub.OnSidecarsChanged(_sidecars).Ignore();
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IPushHubObserver hub)
    {
        _hubs.Remove(hub);
        return Task.CompletedTask;
    }
}
