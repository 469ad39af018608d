using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Grains.Services;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Grains.Scopes;

/// <summary>
/// Holds the Sidecar resources and tells every hub when they change. A new activation takes them
/// from the registry owner before it answers: an empty list would widen every proxy's scope.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed class MeshScopeGrain(TimeProvider time, IServiceProvider services) : Grain, IMeshScopeGrain
{
    private readonly HubSubscriptions _hubs = new(time);
    private readonly OwnerRecovery? _recovery = services.GetService<OwnerRecovery>();
    private IReadOnlyList<Sidecar> _sidecars = [];
    private bool _synced;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _synced = _recovery is null || await _recovery.RecoverAsync(this, TryRecoverAsync, () =>
        {
            _synced = true;
            foreach (var hub in _hubs.Live()) hub.OnSidecarsChanged(_sidecars).Ignore();
            return Task.CompletedTask;
        });
    }

    private async Task<bool> TryRecoverAsync()
    {
        var sidecars = await _recovery!.AskAsync(GrainFactory, owner => owner.GetSidecarsAsync());
        if (sidecars is null) return false;
        _sidecars = sidecars;
        return true;
    }

    public Task SetSidecarsAsync(IReadOnlyList<Sidecar> sidecars)
    {
        // The owner's word: it is what recovery would have fetched.
        var wasSynced = _synced;
        _synced = true;
        if (wasSynced && sidecars.SequenceEqual(_sidecars)) return Task.CompletedTask;
        _sidecars = sidecars;
        foreach (var hub in _hubs.Live()) hub.OnSidecarsChanged(_sidecars).Ignore();
        return Task.CompletedTask;
    }

    /// <summary>Null while a new activation has not recovered yet.</summary>
    public Task<IReadOnlyList<Sidecar>?> GetSidecarsAsync() => Task.FromResult(_synced ? _sidecars : null);

    public Task SubscribeAsync(IPushHubObserver hub)
    {
        if (_hubs.Add(hub) && _synced) hub.OnSidecarsChanged(_sidecars).Ignore();
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IPushHubObserver hub)
    {
        _hubs.Remove(hub);
        return Task.CompletedTask;
    }
}
