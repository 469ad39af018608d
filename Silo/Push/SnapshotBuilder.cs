using System.Collections.Immutable;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Push;

/// <summary>
/// Folds hosts' fragments into a <see cref="ResourceSnapshot"/>, plus the resources that span
/// hosts (the sidecar's per-port route table, composed from each host's virtual hosts).
/// </summary>
public static class SnapshotBuilder
{
    /// <summary>A snapshot of these hosts from scratch: the same as applying them all to an empty one.</summary>
    /// <param name="sidecar">Keeps composed per-port resources between builds; null composes afresh.</param>
    public static ResourceSnapshot Build(IEnumerable<ServiceFragments> hosts, IReadOnlyList<Sidecar>? sidecars = null, SidecarResources? sidecar = null) =>
        Apply(ResourceSnapshot.Empty, hosts.Where(h => !h.Removed), sidecars ?? [], sidecar ?? new SidecarResources()).Snapshot;

    /// <summary>
    /// The next snapshot: the previous one with these hosts' fragments replaced (or removed), and
    /// the names whose version changed, per type. Costs what the changed hosts hold (and the route
    /// tables of ports whose virtual hosts changed), not what the snapshot holds.
    /// </summary>
    public static (ResourceSnapshot Snapshot, ImmutableDictionary<string, ImmutableHashSet<string>> Changed) Apply(
        ResourceSnapshot previous, IEnumerable<ServiceFragments> changedHosts, IReadOnlyList<Sidecar> sidecars, SidecarResources sidecar)
    {
        var update = new SnapshotUpdate(previous);
        foreach (var host in changedHosts) update.Host(host);
        return update.Finish(sidecars, sidecar);
    }

    /// <summary>Names added, changed or removed between two snapshots, per type (for views derived apart).</summary>
    public static ImmutableDictionary<string, ImmutableHashSet<string>> Diff(ResourceSnapshot before, ResourceSnapshot after)
    {
        var result = ImmutableDictionary.CreateBuilder<string, ImmutableHashSet<string>>(StringComparer.Ordinal);
        foreach (var type in before.ByType.Keys.Union(after.ByType.Keys))
        {
            if (before.VersionOf(type) == after.VersionOf(type)) continue;
            var old = before.OfType(type);
            var @new = after.OfType(type);
            var changed = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
            foreach (var (name, r) in @new)
                if (!old.TryGetValue(name, out var o) || o.Version != r.Version) changed.Add(name);
            foreach (var name in old.Keys)
                if (!@new.ContainsKey(name)) changed.Add(name);
            if (changed.Count > 0) result[type] = changed.ToImmutable();
        }
        return result.ToImmutable();
    }
}
