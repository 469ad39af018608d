using Mesh.Grains.Abstractions;

namespace Mesh.Grains.Ownership;

/// <summary>
/// The registry lease. Holds nothing but the holder and its expiry, so losing it with a silo costs
/// little: a new activation waits one time to live for the holder's renewal (every second) before a
/// standby silo may take it, so a lease grain lost with another silo never moves the registries.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed class RegistryLeaseGrain(TimeProvider time) : Grain, IRegistryLeaseGrain
{
    private readonly DateTimeOffset _activated = time.GetUtcNow();
    private string? _holder;
    private IRegistryOwner? _owner;
    private DateTimeOffset _expires;
    private long _generation;

    public Task<LeaseGrant> AcquireAsync(string silo, IRegistryOwner owner, TimeSpan timeToLive, bool holding, bool alone)
    {
        var now = time.GetUtcNow();
        var unknownHolder = _generation == 0 && _holder is null && now < _activated + timeToLive;
        if (unknownHolder && !holding && !alone) return Task.FromResult(new LeaseGrant(false, null, null, _generation));
        if (_holder is null || _holder == silo || now >= _expires)
        {
            if (_holder != silo) _generation++;
            _holder = silo;
            _owner = owner;
            _expires = now + timeToLive;
            return Task.FromResult(new LeaseGrant(true, silo, owner, _generation));
        }
        return Task.FromResult(new LeaseGrant(false, _holder, _owner, _generation));
    }

    public Task ReleaseAsync(string silo)
    {
        if (_holder == silo)
        {
            _holder = null;
            _owner = null;
        }
        return Task.CompletedTask;
    }

    public Task<LeaseGrant> GetAsync() =>
        Task.FromResult(_holder is not null && time.GetUtcNow() < _expires
            ? new LeaseGrant(false, _holder, _owner, _generation)
            : new LeaseGrant(false, null, null, _generation));
}
