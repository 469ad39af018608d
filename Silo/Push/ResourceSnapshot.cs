using System.Collections.Immutable;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Push;

/// <summary>
/// Every resource this silo can serve, by type URL then name, with one content version per type.
/// Immutable: a stream holds the snapshot it answers from while the hub builds the next.
/// Hosts and Sidecars are what it was built from, so a proxy's scoped view can be derived from it.
/// The next snapshot is derived from this one and the hosts that changed (<see cref="SnapshotBuilder.Apply"/>),
/// sharing everything else, so a flush costs what changed.
/// </summary>
public sealed record ResourceSnapshot(
    ImmutableDictionary<string, ImmutableSortedDictionary<string, XdsResource>> ByType,
    ImmutableDictionary<string, string> TypeVersions,
    ImmutableArray<ServiceFragments> Hosts,
    IReadOnlyList<Sidecar> Sidecars)
{
    public static ResourceSnapshot Empty { get; } = new(
        ImmutableDictionary<string, ImmutableSortedDictionary<string, XdsResource>>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal), [], []);

    public ImmutableSortedDictionary<string, XdsResource> OfType(string typeUrl) =>
        ByType.TryGetValue(typeUrl, out var r) ? r : ImmutableSortedDictionary<string, XdsResource>.Empty.WithComparers(StringComparer.Ordinal);

    public string VersionOf(string typeUrl) => TypeVersions.TryGetValue(typeUrl, out var v) ? v : "";

    /// <summary>ClusterLoadAssignments served per proxy locality, by name (see LocalityAssignments).</summary>
    public ImmutableDictionary<string, LocalityPolicy> Localities { get; init; } = ImmutableDictionary<string, LocalityPolicy>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The sidecar route tables composed for this snapshot, by port: scoped views reuse those whose virtual hosts they share.</summary>
    public ImmutableDictionary<uint, ComposedRoutes> SidecarRoutes => Index.ComposedByPort;

    /// <summary>What the next snapshot is derived from: the live hosts by name, and the running state of each type.</summary>
    internal SnapshotIndex Index { get; init; } = SnapshotIndex.Empty;
}

/// <summary>
/// The bookkeeping that lets a snapshot be updated instead of rebuilt: hosts by name, each type's
/// running hash (<see cref="TypeVersion"/>), the outbound listeners "0.0.0.0_&lt;port&gt;" by the
/// hosts that emit them (several hosts emit the same one; one is served), the virtual hosts of
/// each port, and the route table composed per port.
/// </summary>
internal sealed record SnapshotIndex(
    ImmutableSortedDictionary<string, ServiceFragments> Hosts,
    ImmutableDictionary<string, ulong> TypeHashes,
    ImmutableDictionary<string, ImmutableSortedDictionary<string, XdsResource>> PortListeners,
    ImmutableDictionary<uint, ImmutableSortedDictionary<string, XdsResource>> VirtualHostsByPort,
    ImmutableDictionary<uint, ComposedRoutes> ComposedByPort)
{
    public static SnapshotIndex Empty { get; } = new(
        ImmutableSortedDictionary<string, ServiceFragments>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, ulong>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, ImmutableSortedDictionary<string, XdsResource>>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<uint, ImmutableSortedDictionary<string, XdsResource>>.Empty,
        ImmutableDictionary<uint, ComposedRoutes>.Empty);
}

/// <summary>
/// One flush of the hub: the new snapshot, the names that changed per type (added, changed or
/// removed), and when the oldest change in the batch was made (for convergence time).
/// </summary>
public sealed record PushEvent(
    ResourceSnapshot Snapshot,
    ImmutableDictionary<string, ImmutableHashSet<string>> Changed,
    DateTimeOffset OldestChange)
{
    public bool Touches(string typeUrl) => Changed.ContainsKey(typeUrl);
}
