using Mesh.Grains.Abstractions;

namespace Mesh.Grains.Services;

/// <summary>
/// The hubs following a grain. Notifications are one-way, so a dead silo is noticed by its
/// silence: hubs renew every <see cref="RenewEvery"/>, and one not heard from in
/// <see cref="Expiry"/> is dropped (the pattern of Orleans' ObserverManager).
/// </summary>
internal sealed class HubSubscriptions(TimeProvider time)
{
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Expiry = TimeSpan.FromMinutes(2);

    private readonly Dictionary<IPushHubObserver, DateTimeOffset> _hubs = [];

    public int Count => _hubs.Count;

    /// <summary>Adds or renews; true when the hub is new.</summary>
    public bool Add(IPushHubObserver hub)
    {
        var isNew = !_hubs.ContainsKey(hub);
        _hubs[hub] = time.GetUtcNow();
        return isNew;
    }

    public void Remove(IPushHubObserver hub) => _hubs.Remove(hub);

    public IReadOnlyList<IPushHubObserver> Live()
    {
        var cutoff = time.GetUtcNow() - Expiry;
        foreach (var stale in _hubs.Where(h => h.Value < cutoff).Select(h => h.Key).ToList())
            _hubs.Remove(stale);
        return [.. _hubs.Keys];
    }
}
