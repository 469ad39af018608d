using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Mesh.Silo.Clustering;

/// <summary>
/// A cluster's membership table version, a MeshClusterVersion custom resource. Its
/// metadata.resourceVersion is the Orleans table version's etag: every InsertRow/UpdateRow first
/// replaces this object conditionally on that resourceVersion, so of writers that read the same
/// table version only one gets past it.
/// </summary>
public sealed class MeshClusterVersionResource : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = MembershipKinds.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = MembershipKinds.ClusterVersionKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public MeshClusterVersionSpec? Spec { get; set; }
}

/// <summary>The cluster the version belongs to (names are slugs, this is exact) and its version number.</summary>
public sealed record MeshClusterVersionSpec(
    [property: JsonPropertyName("clusterId")] string ClusterId,
    [property: JsonPropertyName("version")] int Version);
