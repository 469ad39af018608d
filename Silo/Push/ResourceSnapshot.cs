using System.Collections.Immutable;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Push;

/// <summary>
/// Every resource this silo can serve, by type URL then name, with one content version per type.
/// Immutable: a stream holds the snapshot it answers from while the hub builds the next.
/// Hosts and Sidecars are what it was built from, so a proxy's scoped view can be derived from it.
/// </summary>
public sealed record ResourceSnapshot(
    ImmutableDictionary<string, ImmutableSortedDictionary<string, XdsResource>> ByType,
    ImmutableDictionary<string, string> TypeVersions,
    ImmutableArray<ServiceFragments> Hosts,
    IReadOnlyList<Sidecar> Sidecars)
{
    public static ResourceSnapshot Empty { get; } = new(
        ImmutableDictionary<string, ImmutableSortedDictionary<string, XdsResource>>.Empty,
        ImmutableDictionary<string, string>.Empty, [], []);

    public ImmutableSortedDictionary<string, XdsResource> OfType(string typeUrl) =>
        ByType.TryGetValue(typeUrl, out var r) ? r : ImmutableSortedDictionary<string, XdsResource>.Empty.WithComparers(StringComparer.Ordinal);

    public string VersionOf(string typeUrl) => TypeVersions.TryGetValue(typeUrl, out var v) ? v : "";

    /// <summary>ClusterLoadAssignments served per proxy locality, by name (see LocalityAssignments).</summary>
    public ImmutableDictionary<string, LocalityPolicy> Localities { get; init; } = ImmutableDictionary<string, LocalityPolicy>.Empty;

    /// <summary>The sidecar route tables composed for this snapshot, by port: scoped views reuse those whose virtual hosts they share.</summary>
    public ImmutableDictionary<uint, ComposedRoutes> SidecarRoutes { get; init; } = ImmutableDictionary<uint, ComposedRoutes>.Empty;
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
