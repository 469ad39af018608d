using System.Collections.Immutable;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Push;

/// <summary>
/// Folds hosts' fragments into a <see cref="ResourceSnapshot"/>, plus the resources that span
/// hosts (the sidecar's per-port route table, composed from each host's virtual hosts, and listener).
/// </summary>
public static class SnapshotBuilder
{
    /// <param name="sidecar">Keeps composed per-port resources between builds (the hub passes its own); null composes afresh.</param>
    public static ResourceSnapshot Build(IEnumerable<ServiceFragments> hosts, IReadOnlyList<Sidecar>? sidecars = null, SidecarResources? sidecar = null)
    {
        var byType = new Dictionary<string, SortedDictionary<string, XdsResource>>(StringComparer.Ordinal);
        var live = hosts.Where(h => !h.Removed).OrderBy(h => h.Host, StringComparer.Ordinal).ToList();
        sidecar ??= new SidecarResources();
        // The spanning resources come last: a port's HTTP listener wins over another host's TCP one.
        foreach (var resource in live.SelectMany(h => h.Resources).Concat(sidecar.Compose(live)))
        {
            if (!byType.TryGetValue(resource.TypeUrl, out var named))
                byType[resource.TypeUrl] = named = new SortedDictionary<string, XdsResource>(StringComparer.Ordinal);
            named[resource.Name] = resource;
        }
        var types = byType.ToImmutableDictionary(
            t => t.Key, t => t.Value.ToImmutableSortedDictionary(StringComparer.Ordinal), StringComparer.Ordinal);
        var versions = types.ToImmutableDictionary(t => t.Key, t => ContentVersion.Of(t.Value.Values), StringComparer.Ordinal);
        var localities = live.Where(h => h.Localities is not null).SelectMany(h => h.Localities!)
            .ToImmutableDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return new ResourceSnapshot(types, versions, [.. live], sidecars ?? []) { Localities = localities, SidecarRoutes = sidecar.Composed };
    }

    /// <summary>Names added, changed or removed between two snapshots, per type.</summary>
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
