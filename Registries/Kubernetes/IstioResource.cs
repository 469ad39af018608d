using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// An Istio custom resource as the API server sends it: metadata typed, spec and status left as
/// JSON for <see cref="Mesh.Api.Yaml.ConfigParser"/> to read, so CRs and files go through one parser.
/// </summary>
public sealed class IstioResource : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public JsonElement? Spec { get; set; }

    [JsonPropertyName("status")]
    public JsonElement? Status { get; set; }
}

/// <summary>A list of <see cref="IstioResource"/>s, with the resourceVersion a watch resumes from.</summary>
public sealed class IstioResourceList : IKubernetesObject<V1ListMeta>, IItems<IstioResource>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<IstioResource> Items { get; set; } = [];
}
