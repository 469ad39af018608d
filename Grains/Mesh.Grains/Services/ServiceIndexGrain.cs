using Mesh.Grains.Abstractions;

namespace Mesh.Grains.Services;

/// <summary>
/// The list of hosts. Small and rarely written (a host appearing or going away), so one
/// activation is enough; endpoint and config churn never touches it.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed class ServiceIndexGrain(TimeProvider time) : Grain, IServiceIndexGrain
{
    private readonly SortedSet<string> _hosts = new(StringComparer.Ordinal);
    private readonly HubSubscriptions _hubs = new(time);

    public Task SetPresentAsync(string host, bool present)
    {
        var changed = present ? _hosts.Add(host) : _hosts.Remove(host);
        if (changed)
        {
            IReadOnlyList<string> snapshot = [.. _hosts];
            foreach (var hub in _hubs.Live()) hub.OnHostsChanged(snapshot).Ignore();
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> GetHostsAsync() => Task.FromResult<IReadOnlyList<string>>([.. _hosts]);

    public Task SubscribeAsync(IPushHubObserver hub)
    {
        if (_hubs.Add(hub)) hub.OnHostsChanged([.. _hosts]).Ignore();
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IPushHubObserver hub)
    {
        _hubs.Remove(hub);
        return Task.CompletedTask;
    }
}
