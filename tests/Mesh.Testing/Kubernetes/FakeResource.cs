namespace Mesh.Testing.Kubernetes;

/// <summary>A resource the fake API server serves: its cluster-wide collection path and the kind its objects carry.</summary>
public sealed record FakeResource(string Path, string Kind, string ApiVersion)
{
    public string ListKind => Kind + "List";

    public static readonly FakeResource Services = new("/api/v1/services", "Service", "v1");
    public static readonly FakeResource Pods = new("/api/v1/pods", "Pod", "v1");
    public static readonly FakeResource Nodes = new("/api/v1/nodes", "Node", "v1");
    public static readonly FakeResource Namespaces = new("/api/v1/namespaces", "Namespace", "v1");
    public static readonly FakeResource EndpointSlices = new("/apis/discovery.k8s.io/v1/endpointslices", "EndpointSlice", "discovery.k8s.io/v1");

    public static IReadOnlyList<FakeResource> BuiltIn => [Services, Pods, Nodes, Namespaces, EndpointSlices];
}

/// <summary>One request the fake API server answered, for tests to assert how a client listed and watched.</summary>
public sealed record FakeApiRequest(string Path, bool Watch, string? ResourceVersion, bool Bookmarks, int Status);
