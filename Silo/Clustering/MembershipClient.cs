using k8s;
using Mesh.Registries.Kubernetes;

namespace Mesh.Silo.Clustering;

/// <summary>
/// The API client the membership table uses: its own, from <see cref="KubernetesMembershipOptions.Kubeconfig"/>
/// (disposed with the container), or the one already registered, which is not its to dispose.
/// </summary>
internal sealed class MembershipClient : IDisposable
{
    private readonly bool _owned;

    public MembershipClient(KubernetesMembershipOptions options, IServiceProvider services)
    {
        if (options.Kubeconfig is { } kubeconfig)
        {
            Client = KubernetesClientFactory.Create(new KubernetesOptions(kubeconfig));
            _owned = true;
        }
        else
        {
            Client = services.GetService<IKubernetes>() ?? throw new InvalidOperationException(
                "The Kubernetes membership table has no API client: set KubernetesMembershipOptions.Kubeconfig (a file, or \"in-cluster\") or register an IKubernetes (the Kubernetes registry's --kubeconfig does)");
        }
    }

    public IKubernetes Client { get; }

    public void Dispose()
    {
        if (_owned) Client.Dispose();
    }
}
