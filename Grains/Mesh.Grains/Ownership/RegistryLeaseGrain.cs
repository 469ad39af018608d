using Mesh.Grains.Abstractions;

namespace Mesh.Grains.Ownership;

/// <summary>
/// The registry lease. Holds nothing but the holder and its expiry, so losing it with a silo costs
/// nothing: the holder's next renewal (every third of the time to live) takes the fresh activation
/// again, and if the holder died with it, the first standby silo to ask does.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed class RegistryLeaseGrain(TimeProvider time) : Grain, IRegistryLeaseGrain
{
    private string? _holder;
    private IRegistryOwner? _owner;
    private DateTimeOffset _expires;
    private long _generation;

    public Task<LeaseGrant> AcquireAsync(string silo, IRegistryOwner owner, TimeSpan timeToLive)
    {
        var now = time.GetUtcNow();
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
