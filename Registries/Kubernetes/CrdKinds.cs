namespace Mesh.Registries.Kubernetes;

/// <summary>One Istio config kind as a custom resource: where the API server serves it.</summary>
public sealed record CrdKind(string Kind, string Group, string Version, string Plural)
{
    public string ApiVersion => $"{Group}/{Version}";

    /// <summary>The object's API path, as kubectl --v=6 shows it; config errors name the object by it.</summary>
    public string PathOf(string? @namespace, string name) => string.IsNullOrEmpty(@namespace)
        ? $"/apis/{Group}/{Version}/{Plural}/{name}"
        : $"/apis/{Group}/{Version}/namespaces/{@namespace}/{Plural}/{name}";
}

/// <summary>
/// The Istio kinds read from CRDs: exactly those Api/Yaml/ConfigParser reads from files, each at the
/// version listed here. Istio 1.22 and later serve v1 for all of them; an older control plane's
/// CRDs (v1beta1 only) need the version changed in this table, nowhere else.
/// </summary>
public static class IstioCrdKinds
{
    public const string Networking = "networking.istio.io";

    public static IReadOnlyList<CrdKind> All { get; } =
    [
        new("VirtualService", Networking, "v1", "virtualservices"),
        new("DestinationRule", Networking, "v1", "destinationrules"),
        new("ServiceEntry", Networking, "v1", "serviceentries"),
        new("Sidecar", Networking, "v1", "sidecars"),
        new("WorkloadEntry", Networking, "v1", "workloadentries"),
        new("WorkloadGroup", Networking, "v1", "workloadgroups"),
        // security.istio.io (AuthorizationPolicy, PeerAuthentication, RequestAuthentication, v1): add
        // rows here once ConfigParser reads those kinds; today it rejects them as "not supported yet",
        // so watching them would only fill /debug/configz with rejections.
    ];
}
