using k8s;

namespace Mesh.Registries.Kubernetes;

/// <summary>The API client of <see cref="KubernetesOptions"/>: the kubeconfig file named, or the pod's own service account when "in-cluster".</summary>
public static class KubernetesClientFactory
{
    public static IKubernetes Create(KubernetesOptions options)
    {
        var config = options.Kubeconfig == KubernetesOptions.InCluster
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig);
        return new k8s.Kubernetes(config);
    }
}
