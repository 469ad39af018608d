using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Registries.Config;

/// <summary>The merged objects of all sources and the definitions that lost to an earlier source.</summary>
public sealed record MergedConfig(IReadOnlyList<ConfigObject> Objects, IReadOnlyList<ConfigError> Conflicts);

/// <summary>
/// Merges the sources' objects in source order. An object (kind/namespace/name) defined by two
/// sources is served from the first: a fixed precedence is deterministic across silos and
/// restarts, where "newest wins" would depend on which event arrived first. The other definition
/// becomes a conflict naming both origins. Pure.
/// </summary>
public static class ConfigMerge
{
    public static MergedConfig Merge(IEnumerable<ConfigSourceState> sources)
    {
        var served = new Dictionary<string, ConfigObject>(StringComparer.Ordinal);
        var objects = new List<ConfigObject>();
        var conflicts = new List<ConfigError>();
        foreach (var source in sources)
            foreach (var obj in source.Objects)
            {
                if (served.TryGetValue(obj.Meta.Key, out var first))
                {
                    conflicts.Add(Conflict(obj, first));
                    continue;
                }
                served[obj.Meta.Key] = obj;
                objects.Add(obj);
            }
        return new MergedConfig(objects, conflicts);
    }

    private static ConfigError Conflict(ConfigObject ignored, ConfigObject served) => new(
        ignored.Meta.Origin?.File ?? "",
        ignored.Meta.Origin?.DocumentIndex ?? -1,
        ignored.Meta.Kind,
        ignored.Meta.Name,
        null,
        null,
        $"also defined by {Describe(served)}, which is served instead (the earlier config source wins); this definition is ignored",
        null,
        ignored.Meta.Namespace);

    private static string Describe(ConfigObject obj) => obj.Meta.Origin switch
    {
        { DocumentIndex: >= 0 } o => $"{o.File} [doc {o.DocumentIndex}]",
        { } o => o.File,
        null => "another source",
    };
}
