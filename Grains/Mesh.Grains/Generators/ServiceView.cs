using Mesh.Api.Hosts;
using Mesh.Api.Model;

namespace Mesh.Grains.Generators;

/// <summary>
/// Everything the generators need to know about one host: the service, its endpoints (all
/// shards merged), the DestinationRule for the host, and the VirtualServices that may route it.
/// The VirtualServices need not all apply: the route generator picks the one Istio would.
/// </summary>
public sealed record ServiceView(
    MeshService Service,
    IReadOnlyList<MeshEndpoint> Endpoints,
    DestinationRule? Rule,
    IReadOnlyList<VirtualService> VirtualServices)
{
    /// <summary>The cluster domain short hosts in config are qualified with, and Kubernetes aliases are derived from.</summary>
    public string Domain { get; init; } = HostName.DefaultDomain;
}
