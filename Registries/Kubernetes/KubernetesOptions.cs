namespace Mesh.Registries.Kubernetes;

/// <summary>
/// The Kubernetes registry's settings (silo flags --kubeconfig, --kube-*): which API server (a
/// kubeconfig file, or the in-cluster service account when the path is "in-cluster"), the cluster
/// id that names its shard (Istio's default "Kubernetes"), and the DNS domain of its hosts.
/// </summary>
public sealed record KubernetesOptions(
    string Kubeconfig,
    string ClusterId = "Kubernetes",
    string Domain = "cluster.local");
