namespace Mesh.Silo.Clustering;

/// <summary>
/// Where the Orleans membership table lives in Kubernetes: the namespace of its MeshSilo and
/// MeshClusterVersion objects and the Orleans cluster id they are kept under (it must equal the
/// silo's ClusterOptions.ClusterId; start-up fails naming both when it does not).
/// </summary>
public sealed record KubernetesMembershipOptions(string Namespace, string ClusterId)
{
    /// <summary>
    /// The API server: a kubeconfig file, or "in-cluster" for the pod's service account
    /// (<see cref="Mesh.Registries.Kubernetes.KubernetesOptions.InCluster"/>). Null: the
    /// <see cref="k8s.IKubernetes"/> client already registered in the services (the Kubernetes
    /// registry's, from --kubeconfig), so the silo keeps one client.
    /// </summary>
    public string? Kubeconfig { get; init; }

    /// <summary>
    /// The longest one API call may take before it fails with a <see cref="KubernetesMembershipException"/>.
    /// Well below Orleans' own membership timeouts, so an unresponsive API server surfaces as an error
    /// Orleans retries rather than as a silo stuck in a call.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
