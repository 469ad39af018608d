namespace Mesh.Api.Model;

/// <summary>Where a config object came from, so every error and debug line can point back at it.</summary>
public sealed record ConfigOrigin(string File, int DocumentIndex);

/// <summary>The Kubernetes-style metadata every Istio kind carries.</summary>
public sealed record ConfigMeta(
    string Kind,
    string ApiVersion,
    string Name,
    string Namespace,
    IReadOnlyDictionary<string, string> Labels,
    ConfigOrigin? Origin = null)
{
    /// <summary>kind/namespace/name: the identity of a config object across files.</summary>
    public string Key => $"{Kind}/{Namespace}/{Name}";
}

/// <summary>One Istio config object: its metadata and its typed spec.</summary>
public abstract record ConfigObject(ConfigMeta Meta);

/// <summary>A percentage in [0, 100], as Istio's <c>Percent</c> message.</summary>
public readonly record struct Percent(double Value);
