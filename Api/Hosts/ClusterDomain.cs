namespace Mesh.Api.Hosts;

/// <summary>
/// The Kubernetes cluster domain short hosts are qualified with (Istio's cluster.local, or the
/// silo's --kube-domain), registered for the grains so routes and aliases follow the registries.
/// </summary>
public sealed record ClusterDomain(string Name)
{
    public static ClusterDomain Default { get; } = new(HostName.DefaultDomain);
}
