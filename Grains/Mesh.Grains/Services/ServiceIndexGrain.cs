using Mesh.Grains.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Grains.Services;

/// <summary>
/// The list of hosts. Small and rarely written (a host appearing or going away), so one
/// activation is enough; endpoint and config churn never touches it. A new activation takes the
/// list from the registry owner first and tells hubs nothing until it has it: an empty list from a
/// lost activation would make hubs stop following every host.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed class ServiceIndexGrain(TimeProvider time, IServiceProvider services) : Grain, IServiceIndexGrain
{
    private readonly SortedSet<string> _hosts = new(StringComparer.Ordinal);
    private readonly HubSubscriptions _hubs = new(time);
    private readonly OwnerRecovery? _recovery = services.GetService<OwnerRecovery>();
    private bool _synced;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _synced = _recovery is null || await _recovery.RecoverAsync(this, TryRecoverAsync, () =>
        {
            _synced = true;
            Notify();
            return Task.CompletedTask;
        });
    }

    private async Task<bool> TryRecoverAsync()
    {
        var hosts = await _recovery!.AskAsync(GrainFactory, owner => owner.GetHostsAsync());
        if (hosts is null) return false;
        // Presence reported meanwhile by ServiceGrains stays: they spoke after the owner recorded.
        _hosts.UnionWith(hosts);
        return true;
    }

    public Task SetPresentAsync(string host, bool present)
    {
        var changed = present ? _hosts.Add(host) : _hosts.Remove(host);
        if (changed && _synced) Notify();
        return Task.CompletedTask;
    }

    private void Notify()
    {
        IReadOnlyList<string> snapshot = [.. _hosts];
        foreach (var hub in _hubs.Live()) hub.OnHostsChanged(snapshot).Ignore();
    }

    public Task<IReadOnlyList<string>?> GetHostsAsync() => Task.FromResult<IReadOnlyList<string>?>(_synced ? [.. _hosts] : null);

    public Task SubscribeAsync(IPushHubObserver hub)
    {
        if (_hubs.Add(hub) && _synced) hub.OnHostsChanged([.. _hosts]).Ignore();
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IPushHubObserver hub)
    {
        _hubs.Remove(hub);
        return Task.CompletedTask;
    }
}
