using Mesh.Api.Model;

namespace Mesh.Api.Yaml;

/// <summary>Reads a DestinationRule spec and its traffic policies.</summary>
internal static class DestinationRuleReader
{
    public static DestinationRuleSpec Read(MapReader spec)
    {
        spec.Unsupported("workloadSelector");
        return new DestinationRuleSpec(
            spec.String("host", required: true) ?? "",
            spec.Object("trafficPolicy", TrafficPolicy),
            spec.List("subsets", Subset),
            spec.Strings("exportTo"));
    }

    private static Subset Subset(MapReader r) =>
        new(r.String("name", required: true) ?? "", r.StringMap("labels"), r.Object("trafficPolicy", TrafficPolicy));

    private static TrafficPolicy TrafficPolicy(MapReader r)
    {
        r.Unsupported("tunnel", "proxyProtocol");
        return new TrafficPolicy(
            r.Object("loadBalancer", LoadBalancer),
            r.Object("connectionPool", ConnectionPool),
            r.Object("outlierDetection", OutlierDetection),
            r.Object("tls", Tls),
            r.List("portLevelSettings", PortPolicy));
    }

    private static PortTrafficPolicy PortPolicy(MapReader r)
    {
        var port = r.Object("port", CommonReaders.PortSelector);
        if (port is null && !r.Has("port"))
        {
            r.Missing("port", "port is required: a port-level setting applies to one port");
        }

        return new PortTrafficPolicy(
            port ?? new PortSelector(0),
            r.Object("loadBalancer", LoadBalancer),
            r.Object("connectionPool", ConnectionPool),
            r.Object("outlierDetection", OutlierDetection),
            r.Object("tls", Tls));
    }

    private static LoadBalancerSettings LoadBalancer(MapReader r)
    {
        r.Unsupported("warmupDurationSecs", "warmup");
        return new LoadBalancerSettings(
            r.Enum("simple", IstioEnums.SimpleLb), r.Object("consistentHash", ConsistentHash), r.Object("localityLbSetting", LocalityLb));
    }

    private static LocalityLbSetting LocalityLb(MapReader r) =>
        new(r.Bool("enabled"), r.List("distribute", Distribute), r.List("failover", Failover), r.Strings("failoverPriority"));

    private static LocalityDistribute Distribute(MapReader r) =>
        new(r.String("from") ?? "", r.UIntMap("to"));

    private static LocalityFailover Failover(MapReader r) =>
        new(r.String("from") ?? "", r.String("to") ?? "");

    private static ConsistentHashSettings ConsistentHash(MapReader r)
    {
        r.Unsupported("ringHash", "maglev");
        return new ConsistentHashSettings(
            r.String("httpHeaderName"),
            r.Object("httpCookie", Cookie),
            r.Bool("useSourceIp") ?? false,
            r.String("httpQueryParameterName"),
            r.ULong("minimumRingSize"));
    }

    private static HttpCookie Cookie(MapReader r)
    {
        r.Unsupported("attributes");
        return new HttpCookie(r.String("name", required: true) ?? "", r.String("path"), r.Duration("ttl"));
    }

    private static ConnectionPoolSettings ConnectionPool(MapReader r) =>
        new(r.Object("tcp", Tcp), r.Object("http", Http));

    private static TcpSettings Tcp(MapReader r)
    {
        r.Unsupported("tcpKeepalive", "maxConnectionDuration", "idleTimeout");
        return new TcpSettings(r.Int("maxConnections"), r.Duration("connectTimeout"));
    }

    private static HttpSettings Http(MapReader r)
    {
        r.Unsupported("h2UpgradePolicy", "useClientProtocol", "maxConcurrentStreams");
        return new HttpSettings(
            r.Int("http1MaxPendingRequests"),
            r.Int("http2MaxRequests"),
            r.Int("maxRequestsPerConnection"),
            r.Int("maxRetries"),
            r.Duration("idleTimeout"));
    }

    private static OutlierDetection OutlierDetection(MapReader r)
    {
        r.Unsupported("consecutiveErrors", "consecutiveLocalOriginFailures", "splitExternalLocalOriginErrors");
        return new OutlierDetection(
            r.Int("consecutive5xxErrors"),
            r.Int("consecutiveGatewayErrors"),
            r.Duration("interval"),
            r.Duration("baseEjectionTime"),
            r.Int("maxEjectionPercent"),
            r.Int("minHealthPercent"));
    }

    private static ClientTlsSettings Tls(MapReader r)
    {
        r.Unsupported("clientCertificate", "privateKey", "caCertificates", "credentialName", "insecureSkipVerify", "caCrl");
        return new ClientTlsSettings(r.Enum("mode", IstioEnums.Tls) ?? TlsMode.Disable, r.String("sni"), r.Strings("subjectAltNames"));
    }
}
