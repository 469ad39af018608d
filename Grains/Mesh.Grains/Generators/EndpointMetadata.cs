using Envoy.Config.Core.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Api.Model;

namespace Mesh.Grains.Generators;

/// <summary>
/// Istio's telemetry metadata on an LbEndpoint: filter_metadata["istio"]["workload"] =
/// "workload;namespace;canonical-service;canonical-revision;cluster-id", so a client sidecar can
/// label metrics by the destination workload it picked without a metadata exchange.
/// </summary>
public static class EndpointMetadata
{
    public const string FilterKey = "istio";
    public const string WorkloadField = "workload";

    public const string CanonicalNameLabel = "service.istio.io/canonical-name";
    public const string CanonicalRevisionLabel = "service.istio.io/canonical-revision";
    public const string ClusterLabel = "topology.istio.io/cluster";

    /// <summary>Null when every part would be empty: the proxy falls back to its defaults either way.</summary>
    public static Metadata? Of(MeshEndpoint endpoint, MeshService service)
    {
        var value = Encode(endpoint, service);
        if (value == ";;;;") return null;
        var istio = new Struct();
        istio.Fields.Add(WorkloadField, Value.ForString(value));
        var metadata = new Metadata();
        metadata.FilterMetadata.Add(FilterKey, istio);
        return metadata;
    }

    /// <summary>
    /// As istiod: the workload and its namespace come from the registry (empty for inline ServiceEntry
    /// endpoints, which belong to no workload); the canonical service and revision from the labels
    /// with Istio's precedence, the revision's default "latest" left out; the cluster from Istio's topology label.
    /// </summary>
    public static string Encode(MeshEndpoint endpoint, MeshService service)
    {
        var labels = endpoint.Labels;
        var workload = endpoint.WorkloadName ?? "";
        var ns = endpoint.WorkloadName is null ? "" : service.Namespace;
        var canonical = Label(labels, CanonicalNameLabel, "app.kubernetes.io/name", "app") ?? workload;
        var revision = Label(labels, CanonicalRevisionLabel, "app.kubernetes.io/version", "version") ?? "";
        if (revision == "latest") revision = "";
        var cluster = labels.GetValueOrDefault(ClusterLabel) ?? "";
        return $"{workload};{ns};{canonical};{revision};{cluster}";
    }

    private static string? Label(IReadOnlyDictionary<string, string> labels, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (labels.TryGetValue(key, out var value) && value.Length > 0) return value;
        }
        return null;
    }
}
