namespace Mesh.Registries.Kubernetes;

/// <summary>
/// The Kubernetes registry's settings (silo flags --kubeconfig, --kube-*): which API server (a
/// kubeconfig file, or the in-cluster service account when the path is "in-cluster"), the cluster
/// id that names its shard (Istio's default "Kubernetes"), and the DNS domain of its hosts.
/// </summary>
public sealed record KubernetesOptions(
    string Kubeconfig,
    string ClusterId = "Kubernetes",
    string Domain = "cluster.local")
{
    public const string InCluster = "in-cluster";

    /// <summary>First wait after a failed list or watch; doubles per failure, with jitter, up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryInitial { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RetryMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the API server keeps one watch open (its timeoutSeconds); the watch is then resumed
    /// from the last resourceVersion seen. Like client-go, each watch asks for somewhat less, so
    /// informers of many silos do not all reconnect at once.
    /// </summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
