using Mesh.Api.Hosts;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// The Kubernetes registry's settings (silo flags --kubeconfig, --kube-*): which API server (a
/// kubeconfig file, or the in-cluster service account when the path is "in-cluster"), the cluster
/// id that names its shard (Istio's default "Kubernetes"), and the DNS domain of its hosts.
/// </summary>
public sealed record KubernetesOptions(
    string Kubeconfig,
    string ClusterId = "Kubernetes",
    string Domain = HostName.DefaultDomain)
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

    /// <summary>Whether the cluster's Istio CRs are a config source too (silo flag --kube-config-crds, on by default).</summary>
    public bool ConfigCrds { get; init; } = true;

    /// <summary>How often a kind whose CRD is not installed is looked for again.</summary>
    public TimeSpan CrdNotInstalledRetry { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the silo's first config waits for the CRDs to be listed. An API server that cannot be
    /// reached must not keep the silo unready: after this the silo serves the other sources' config,
    /// and the CRs join when the list succeeds.
    /// </summary>
    public TimeSpan ConfigSyncWait { get; init; } = TimeSpan.FromSeconds(30);
}
