using Envoy.Config.Core.V3;
using Envoy.Config.Listener.V3;
using Envoy.Extensions.Filters.Http.Fault.V3;
using Envoy.Extensions.Filters.Http.Router.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Envoy.Extensions.Filters.Network.TcpProxy.V3;
using Google.Protobuf.WellKnownTypes;
using Hcm = Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpConnectionManager;
using ListenerFilter = Envoy.Config.Listener.V3.Filter;

namespace Mesh.Grains.Generators;

/// <summary>Builds listeners (LDS): proxyless gRPC API listeners and sidecar outbound listeners.</summary>
public static class ListenerGenerator
{
    public const string HttpConnectionManagerFilter = "envoy.filters.network.http_connection_manager";
    public const string FaultFilter = "envoy.filters.http.fault";
    public const string RouterFilter = "envoy.filters.http.router";
    public const string TcpProxyFilter = "envoy.filters.network.tcp_proxy";

    /// <summary>
    /// The listener a gRPC client looks up for target "xds:///host:port": an API listener whose
    /// route table "host:port" comes over RDS.
    /// </summary>
    public static Listener BuildProxylessListener(string host, uint port)
    {
        var name = Names.VirtualHost(host, port);
        return new Listener
        {
            Name = name,
            ApiListener = new ApiListener { ApiListener_ = Any.Pack(ConnectionManager(name, statPrefix: null)) },
        };
    }

    /// <summary>The sidecar listener "0.0.0.0_port" for outbound HTTP on a port, routed by table "port".</summary>
    public static Listener BuildSidecarOutboundListener(uint port) => BuildSidecarOutboundListener(port, Names.SidecarRoute(port));

    public static Listener BuildSidecarOutboundListener(uint port, string routeConfigName)
    {
        var name = Names.SidecarListener(port);
        var manager = ConnectionManager(routeConfigName, statPrefix: $"outbound_{name}");
        // Istio's sidecar listeners allow WebSocket upgrades; gRPC's API listeners have no upgrades to allow.
        manager.UpgradeConfigs.Add(new Hcm.Types.UpgradeConfig { UpgradeType = "websocket" });
        return new Listener
        {
            Name = name,
            Address = new Address { SocketAddress = new SocketAddress { Address = "0.0.0.0", PortValue = port } },
            TrafficDirection = TrafficDirection.Outbound,
            FilterChains =
            {
                new FilterChain
                {
                    Filters = { new ListenerFilter { Name = HttpConnectionManagerFilter, TypedConfig = Any.Pack(manager) } },
                },
            },
        };
    }

    /// <summary>
    /// The sidecar listener "&lt;vip&gt;_&lt;port&gt;" for a TCP port: connections the sidecar intercepts
    /// towards that address (an IP, or a CIDR matched by prefix range) and port go whole to the cluster.
    /// "0.0.0.0" stands for a service without addresses: any destination on the port.
    /// </summary>
    public static Listener BuildSidecarTcpListener(string address, uint port, string cluster)
    {
        var slash = address.IndexOf('/');
        var ip = slash < 0 ? address : address[..slash];
        var match = new FilterChainMatch();
        if (slash > 0 && uint.TryParse(address.AsSpan(slash + 1), out var prefix))
            match.PrefixRanges.Add(new CidrRange { AddressPrefix = ip, PrefixLen = prefix });
        return new Listener
        {
            Name = Names.SidecarListener(ip, port),
            Address = new Address { SocketAddress = new SocketAddress { Address = ip, PortValue = port } },
            TrafficDirection = TrafficDirection.Outbound,
            FilterChains =
            {
                new FilterChain
                {
                    FilterChainMatch = match.PrefixRanges.Count > 0 ? match : null,
                    Filters =
                    {
                        new ListenerFilter
                        {
                            Name = TcpProxyFilter,
                            TypedConfig = Any.Pack(new TcpProxy { StatPrefix = cluster, Cluster = cluster }),
                        },
                    },
                },
            },
        };
    }

    /// <summary>
    /// gRPC rejects filters without typed_config and requires the router last. The fault filter is
    /// always present so a route's typed_per_filter_config fault has a filter to configure.
    /// </summary>
    private static Hcm ConnectionManager(string routeConfigName, string? statPrefix) => new()
    {
        StatPrefix = statPrefix ?? string.Empty,
        Rds = new Rds { RouteConfigName = routeConfigName, ConfigSource = Protos.Ads() },
        HttpFilters =
        {
            new HttpFilter { Name = FaultFilter, TypedConfig = Any.Pack(new HTTPFault()) },
            new HttpFilter { Name = RouterFilter, TypedConfig = Any.Pack(new Router()) },
        },
    };
}
