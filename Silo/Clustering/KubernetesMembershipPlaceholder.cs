using Mesh.Silo.Hosting;

namespace Mesh.Silo.Clustering;

/// <summary>Replaced by the Kubernetes membership table (branch k8smember).</summary>
public static class KubernetesMembershipPlaceholder
{
    public static ISiloBuilder UseKubernetesMembership(this ISiloBuilder silo, SiloOptions options) =>
        throw new NotSupportedException("--clustering kubernetes is not wired yet");
}
