using Mesh.Api.Yaml;
using Mesh.Registries.Config;
using Mesh.Registries.Kubernetes;

namespace Mesh.Silo.Admin;

/// <summary>
/// /debug/configz: the merged config served (each object with its origin: a file path or a
/// kubernetes:// object path), every source's rejections and the conflicts between sources, the
/// sources in merge order, and per Kubernetes CRD kind whether it is installed and watched.
/// "file" stays beside "origin" for the readers written when files were the only source.
/// </summary>
public static class ConfigzView
{
    public static object From(ConfigStatus status, IEnumerable<CrdConfigSource> crds) => new
    {
        loaded = status.Loaded,
        loadedAt = status.LoadedAt,
        sources = status.Sources.Select(s => new { name = s.Name, synced = s.Synced, lastUpdate = s.LastUpdate, objects = s.Objects, rejected = s.Rejected }),
        serving = status.Serving.Select(m => new { kind = m.Kind, @namespace = m.Namespace, name = m.Name, origin = m.Origin?.File, file = m.Origin?.File }),
        rejected = status.Rejected.Select(Error),
        conflicts = status.Conflicts.Select(Error),
        crds = crds.SelectMany(c => c.Kinds.Select(k => new
        {
            source = c.SourceName,
            kind = k.Kind.Kind,
            apiVersion = k.Kind.ApiVersion,
            installed = k.Installed,
            synced = k.Watcher.Synced,
            failingSince = k.Watcher.FailingSince,
            lastError = k.Watcher.LastError,
            resourceVersion = k.Watcher.ResourceVersion,
        })),
    };

    private static object Error(ConfigError e) => new
    {
        file = e.File,
        document = e.DocumentIndex,
        kind = e.Kind,
        @namespace = e.Namespace,
        name = e.Name,
        field = e.FieldPath,
        value = e.Value,
        message = e.Message,
        text = e.ToString(),
    };
}
