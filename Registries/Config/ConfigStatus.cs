using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Registries.Config;

/// <summary>
/// What the mesh serves from all config sources together and what they rejected, for
/// /debug/configz and /ready. Each served object's <see cref="ConfigMeta.Origin"/> names where it
/// came from: a file path, or a Kubernetes object path (kubernetes://cluster/apis/...).
/// </summary>
public sealed record ConfigStatus(
    bool Loaded,
    DateTimeOffset? LoadedAt,
    IReadOnlyList<ConfigMeta> Serving,
    IReadOnlyList<ConfigError> Rejected)
{
    public static ConfigStatus NotLoaded { get; } = new(false, null, [], []);

    /// <summary>Objects defined by two sources: each names the ignored definition and the one served instead.</summary>
    public IReadOnlyList<ConfigError> Conflicts { get; init; } = [];

    /// <summary>Every configured source in merge order, and whether it has reported yet.</summary>
    public IReadOnlyList<ConfigSourceStatus> Sources { get; init; } = [];
}

/// <summary>One config source as the aggregator sees it: synced once, and when it last reported.</summary>
public sealed record ConfigSourceStatus(string Name, bool Synced, DateTimeOffset? LastUpdate, int Objects, int Rejected);
