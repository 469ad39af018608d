namespace Mesh.Api.Xds;

/// <summary>
/// The Envoy v3 type URLs, as they appear in DiscoveryRequest.type_url: one list for the silo that
/// serves them and the sidecar that subscribes to them (Mesh.Api, so the sidecar needs no Orleans).
/// </summary>
public static class ResourceTypes
{
    private const string Prefix = "type.googleapis.com/";

    public const string Listener = Prefix + "envoy.config.listener.v3.Listener";
    public const string RouteConfiguration = Prefix + "envoy.config.route.v3.RouteConfiguration";
    public const string Cluster = Prefix + "envoy.config.cluster.v3.Cluster";
    public const string ClusterLoadAssignment = Prefix + "envoy.config.endpoint.v3.ClusterLoadAssignment";
    public const string Secret = Prefix + "envoy.extensions.transport_sockets.tls.v3.Secret";

    // Never requested by a proxy: the unit sidecar route tables are composed from, one per host and port.
    public const string VirtualHost = Prefix + "envoy.config.route.v3.VirtualHost";

    public const string HttpConnectionManager = Prefix + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

    /// <summary>Istio's workload health report, sent by a VM's agent on the ADS stream: a request, never a subscription.</summary>
    public const string HealthInformation = Prefix + "istio.v1.HealthInformation";

    /// <summary>CDS and LDS have wildcard semantics; EDS and RDS are subscribed by the names the others reference.</summary>
    public static bool IsWildcard(string typeUrl) => typeUrl is Listener or Cluster;

    /// <summary>Short names for logs, metrics and proxy-status (Istio's: LDS, RDS, CDS, EDS, SDS).</summary>
    public static string ShortName(string typeUrl) => typeUrl switch
    {
        Listener => "LDS",
        RouteConfiguration => "RDS",
        Cluster => "CDS",
        ClusterLoadAssignment => "EDS",
        Secret => "SDS",
        _ => typeUrl,
    };
}
