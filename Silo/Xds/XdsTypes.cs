using Mesh.Api.Xds;

namespace Mesh.Silo.Xds;

/// <summary>The resource types this server answers for, and which of them have wildcard semantics.</summary>
public static class XdsTypes
{
    public static readonly IReadOnlySet<string> Served = new HashSet<string>(StringComparer.Ordinal)
    {
        ResourceTypes.Listener, ResourceTypes.RouteConfiguration, ResourceTypes.Cluster, ResourceTypes.ClusterLoadAssignment,
    };

    /// <summary>Istio's health report from a VM's agent: a request on the ADS stream, never a subscription.</summary>
    public const string HealthInformation = ResourceTypes.HealthInformation;

    public static bool IsWildcardType(string typeUrl) => ResourceTypes.IsWildcard(typeUrl);

    /// <summary>Short names for logs, metrics and proxy-status (Istio's: LDS, RDS, CDS, EDS).</summary>
    public static string ShortName(string typeUrl) => ResourceTypes.ShortName(typeUrl);

    /// <summary>
    /// What a wildcard subscription sees. Proxyless gRPC listeners ("host:port", api_listener) are
    /// fetched by name only: Envoy sidecars asking for every listener must not get them. Sidecar
    /// listeners are named "address_port" ("0.0.0.0_8080", "10.0.0.5_9000").
    /// </summary>
    public static bool InWildcard(string typeUrl, string name) =>
        typeUrl != ResourceTypes.Listener || IsSidecarListener(name);

    private static bool IsSidecarListener(string name)
    {
        var underscore = name.LastIndexOf('_');
        return underscore > 0 && underscore < name.Length - 1 && name.AsSpan(underscore + 1).IndexOfAnyExceptInRange('0', '9') < 0;
    }
}
