using Mesh.Api.Model;

namespace Mesh.Api.Yaml;

/// <summary>Istio's enum spellings. Insertion order matters: it is the order error messages list them in.</summary>
internal static class IstioEnums
{
    public static IReadOnlyDictionary<string, SimpleLoadBalancer> SimpleLb { get; } = new Dictionary<string, SimpleLoadBalancer>
    {
        ["UNSPECIFIED"] = SimpleLoadBalancer.Unspecified,
        ["ROUND_ROBIN"] = SimpleLoadBalancer.RoundRobin,
        ["LEAST_REQUEST"] = SimpleLoadBalancer.LeastRequest,
        ["LEAST_CONN"] = SimpleLoadBalancer.LeastRequest, // deprecated alias Istio still accepts
        ["RANDOM"] = SimpleLoadBalancer.Random,
        ["PASSTHROUGH"] = SimpleLoadBalancer.Passthrough,
    }.AsReadOnly();

    public static IReadOnlyDictionary<string, TlsMode> Tls { get; } = new Dictionary<string, TlsMode>
    {
        ["DISABLE"] = TlsMode.Disable,
        ["SIMPLE"] = TlsMode.Simple,
        ["MUTUAL"] = TlsMode.Mutual,
        ["ISTIO_MUTUAL"] = TlsMode.IstioMutual,
    }.AsReadOnly();

    public static IReadOnlyDictionary<string, ServiceLocation> Location { get; } = new Dictionary<string, ServiceLocation>
    {
        ["MESH_EXTERNAL"] = ServiceLocation.MeshExternal,
        ["MESH_INTERNAL"] = ServiceLocation.MeshInternal,
    }.AsReadOnly();

    public static IReadOnlyDictionary<string, ServiceResolution> Resolution { get; } = new Dictionary<string, ServiceResolution>
    {
        ["NONE"] = ServiceResolution.None,
        ["STATIC"] = ServiceResolution.Static,
        ["DNS"] = ServiceResolution.Dns,
        ["DNS_ROUND_ROBIN"] = ServiceResolution.DnsRoundRobin,
    }.AsReadOnly();

    public static IReadOnlyDictionary<string, OutboundTrafficPolicyMode> Outbound { get; } = new Dictionary<string, OutboundTrafficPolicyMode>
    {
        ["ALLOW_ANY"] = OutboundTrafficPolicyMode.AllowAny,
        ["REGISTRY_ONLY"] = OutboundTrafficPolicyMode.RegistryOnly,
    }.AsReadOnly();
}
