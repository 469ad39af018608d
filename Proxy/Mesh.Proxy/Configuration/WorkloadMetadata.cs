namespace Mesh.Proxy.Configuration;

/// <summary>
/// Istio's telemetry metadata of an endpoint (filter_metadata["istio"]["workload"]):
/// "workload;namespace;canonical-service;canonical-revision;cluster-id". Parts may be empty
/// (istiod leaves out what it does not know, and the revision when it is "latest").
/// </summary>
public sealed record WorkloadMetadata(string Name, string Namespace, string CanonicalService, string CanonicalRevision, string Cluster)
{
    public const string FilterKey = "istio";
    public const string Field = "workload";

    /// <summary>Null when the encoding has fewer than five parts, as Istio's proxy ignores it then.</summary>
    public static WorkloadMetadata? Parse(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded)) return null;
        var parts = encoded.Split(';');
        return parts.Length < 5 ? null : new WorkloadMetadata(parts[0], parts[1], parts[2], parts[3], parts[4]);
    }
}
