namespace Mesh.Grains.Abstractions;

/// <summary>
/// Who runs the registries (every config source, Kubernetes cluster and Consul datacenter): one
/// silo at a time holds this lease and watches them, so N silos do not mean N watches. Key:
/// <see cref="Key"/>. A lease not renewed within its time to live may be taken by another silo.
/// </summary>
public interface IRegistryLeaseGrain : IGrainWithStringKey
{
    const string Key = "registries";

    /// <summary>
    /// Takes the lease if it is free or expired, or renews it for its holder. A new activation of
    /// this grain (its silo died) knows no holder: for one time to live it grants the lease only to
    /// a silo that says it holds it (<paramref name="holding"/>: the holder renewing) or that is alone
    /// in the cluster, so the live holder gets it back instead of a second silo starting a second watch.
    /// </summary>
    Task<LeaseGrant> AcquireAsync(string silo, IRegistryOwner owner, TimeSpan timeToLive, bool holding, bool alone);

    /// <summary>Gives the lease up (a silo shutting down), so another takes it without waiting for expiry.</summary>
    Task ReleaseAsync(string silo);

    /// <summary>The current holder, if any holds an unexpired lease.</summary>
    Task<LeaseGrant> GetAsync();
}

/// <summary>The lease as seen by its asker: whether the asker holds it, who does, and the holder's generation.</summary>
[GenerateSerializer, Immutable]
public sealed record LeaseGrant(
    [property: Id(0)] bool Held,
    [property: Id(1)] string? Holder,
    [property: Id(2)] IRegistryOwner? Owner,
    [property: Id(3)] long Generation);
