namespace Mesh.Proxy.Xds;

/// <summary>The Envoy v3 type URLs a sidecar subscribes to (copied from the silo's ResourceTypes: no Orleans dependency here).</summary>
public static class XdsTypes
{
    private const string Prefix = "type.googleapis.com/";

    public const string Cluster = Prefix + "envoy.config.cluster.v3.Cluster";
    public const string ClusterLoadAssignment = Prefix + "envoy.config.endpoint.v3.ClusterLoadAssignment";
    public const string Listener = Prefix + "envoy.config.listener.v3.Listener";
    public const string RouteConfiguration = Prefix + "envoy.config.route.v3.RouteConfiguration";

    /// <summary>Istio's workload health report, sent by a VM's agent on the ADS stream (never subscribed).</summary>
    public const string HealthInformation = Prefix + "istio.v1.HealthInformation";

    /// <summary>Envoy's subscription order: clusters, their endpoints, listeners, their routes.</summary>
    public static IReadOnlyList<string> All { get; } = [Cluster, ClusterLoadAssignment, Listener, RouteConfiguration];

    /// <summary>CDS and LDS are subscribed by wildcard; EDS and RDS by the names the others reference.</summary>
    public static bool IsWildcard(string typeUrl) => typeUrl is Cluster or Listener;

    public static string Short(string typeUrl) => typeUrl switch
    {
        Cluster => "CDS",
        ClusterLoadAssignment => "EDS",
        Listener => "LDS",
        RouteConfiguration => "RDS",
        _ => typeUrl,
    };
}
