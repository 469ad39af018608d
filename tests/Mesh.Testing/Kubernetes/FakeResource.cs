namespace Mesh.Testing.Kubernetes;

/// <summary>
/// A resource the fake API server serves: its cluster-wide collection path and the kind its objects
/// carry. Namespaced paths (.../namespaces/NS/plural) are derived from it. Custom resources are
/// described the same way; a kind not passed to the server is answered 404, as for a CRD not installed.
/// </summary>
public sealed record FakeResource(string Path, string Kind, string ApiVersion)
{
    public string ListKind => Kind + "List";

    public static readonly FakeResource Services = new("/api/v1/services", "Service", "v1");
    public static readonly FakeResource Pods = new("/api/v1/pods", "Pod", "v1");
    public static readonly FakeResource Nodes = new("/api/v1/nodes", "Node", "v1");
    public static readonly FakeResource Namespaces = new("/api/v1/namespaces", "Namespace", "v1");
    public static readonly FakeResource EndpointSlices = new("/apis/discovery.k8s.io/v1/endpointslices", "EndpointSlice", "discovery.k8s.io/v1");

    public static IReadOnlyList<FakeResource> BuiltIn => [Services, Pods, Nodes, Namespaces, EndpointSlices];

    /// <summary>A custom resource at /apis/group/version/plural.</summary>
    public static FakeResource Custom(string group, string version, string kind, string plural) =>
        new($"/apis/{group}/{version}/{plural}", kind, $"{group}/{version}");

    public static readonly FakeResource VirtualServices = Custom("networking.istio.io", "v1", "VirtualService", "virtualservices");
    public static readonly FakeResource DestinationRules = Custom("networking.istio.io", "v1", "DestinationRule", "destinationrules");
    public static readonly FakeResource ServiceEntries = Custom("networking.istio.io", "v1", "ServiceEntry", "serviceentries");
    public static readonly FakeResource Sidecars = Custom("networking.istio.io", "v1", "Sidecar", "sidecars");
    public static readonly FakeResource WorkloadEntries = Custom("networking.istio.io", "v1", "WorkloadEntry", "workloadentries");
    public static readonly FakeResource WorkloadGroups = Custom("networking.istio.io", "v1", "WorkloadGroup", "workloadgroups");

    /// <summary>Istio's networking CRDs, as an installed Istio serves them.</summary>
    public static IReadOnlyList<FakeResource> IstioNetworking => [VirtualServices, DestinationRules, ServiceEntries, Sidecars, WorkloadEntries, WorkloadGroups];

    public static readonly FakeResource MeshSilos = Custom("mesh.io", "v1", "MeshSilo", "meshsilos");
    public static readonly FakeResource MeshClusterVersions = Custom("mesh.io", "v1", "MeshClusterVersion", "meshclusterversions");

    /// <summary>The Orleans membership table's CRDs (deploy/kubernetes/membership-crds.yaml); not in <see cref="All"/>, as a cluster has them only when installed.</summary>
    public static IReadOnlyList<FakeResource> Membership => [MeshSilos, MeshClusterVersions];

    /// <summary>The default: the built-in kinds and Istio's CRDs.</summary>
    public static IReadOnlyList<FakeResource> All => [.. BuiltIn, .. IstioNetworking];
}

/// <summary>One request the fake API server answered, for tests to assert how a client listed and watched.</summary>
public sealed record FakeApiRequest(string Path, bool Watch, string? ResourceVersion, bool Bookmarks, int Status)
{
    /// <summary>The request's Authorization header; null when it sent none (an anonymous client).</summary>
    public string? Authorization { get; init; }
}
