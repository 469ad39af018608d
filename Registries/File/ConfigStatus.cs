using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Registries.File;

/// <summary>What the config source currently serves and what it rejected, for /debug/configz and /ready.</summary>
public sealed record ConfigStatus(
    bool Loaded,
    DateTimeOffset? LoadedAt,
    IReadOnlyList<ConfigMeta> Serving,
    IReadOnlyList<ConfigError> Rejected)
{
    public static ConfigStatus NotLoaded { get; } = new(false, null, [], []);
}
