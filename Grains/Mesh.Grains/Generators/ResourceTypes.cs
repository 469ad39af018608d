namespace Mesh.Grains.Generators;

/// <summary>The Envoy v3 type URLs the control plane serves, as they appear in DiscoveryRequest.type_url.</summary>
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
}
