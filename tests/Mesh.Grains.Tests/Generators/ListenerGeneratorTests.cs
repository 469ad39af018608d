using Envoy.Config.Core.V3;
using Envoy.Config.Listener.V3;
using Envoy.Extensions.Filters.Http.Fault.V3;
using Envoy.Extensions.Filters.Http.Router.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Api.Xds;
using Mesh.Grains.Generators;

namespace Mesh.Grains.Tests.Generators;

public class ListenerGeneratorTests
{
    private static HttpFilter[] ExpectedFilters() =>
    [
        new HttpFilter { Name = "envoy.filters.http.fault", TypedConfig = Any.Pack(new HTTPFault()) },
        new HttpFilter { Name = "envoy.filters.http.router", TypedConfig = Any.Pack(new Router()) },
    ];

    private static Rds ExpectedRds(string name) => new()
    {
        RouteConfigName = name,
        ConfigSource = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
    };

    [Fact]
    public void BuildProxylessListener_HostPort_ApiListenerWithRdsAndRouterLast()
    {
        var listener = ListenerGenerator.BuildProxylessListener("reviews.default.svc.cluster.local", 9080);

        Assert.Equal("reviews.default.svc.cluster.local:9080", listener.Name);
        Assert.Equal(ResourceTypes.HttpConnectionManager, listener.ApiListener.ApiListener_.TypeUrl);
        var manager = listener.ApiListener.ApiListener_.Unpack<HttpConnectionManager>();
        Assert.Equal(ExpectedRds("reviews.default.svc.cluster.local:9080"), manager.Rds);
        Assert.Equal(ExpectedFilters(), manager.HttpFilters);
    }

    [Fact]
    public void BuildSidecarOutboundListener_Port_BoundHcmOnRouteTable()
    {
        var listener = ListenerGenerator.BuildSidecarOutboundListener(9080, "9080");

        Assert.Equal("0.0.0.0_9080", listener.Name);
        Assert.Equal(new SocketAddress { Address = "0.0.0.0", PortValue = 9080 }, listener.Address.SocketAddress);
        var filter = Assert.Single(Assert.Single(listener.FilterChains).Filters);
        Assert.Equal("envoy.filters.network.http_connection_manager", filter.Name);
        var manager = filter.TypedConfig.Unpack<HttpConnectionManager>();
        Assert.Equal("outbound_0.0.0.0_9080", manager.StatPrefix);
        Assert.Equal(ExpectedRds("9080"), manager.Rds);
        Assert.Equal(ExpectedFilters(), manager.HttpFilters);
    }

    [Fact]
    public void BuildSidecarOutboundListener_Port_AllowsWebSocketUpgradesAsIstiod()
    {
        var manager = Assert.Single(Assert.Single(ListenerGenerator.BuildSidecarOutboundListener(9080).FilterChains).Filters).TypedConfig.Unpack<HttpConnectionManager>();

        var upgrade = Assert.Single(manager.UpgradeConfigs);
        Assert.Equal("websocket", upgrade.UpgradeType);
        Assert.Null(upgrade.Enabled);
    }

    [Fact]
    public void BuildProxylessListener_HostPort_NoUpgradeConfigs()
    {
        var manager = ListenerGenerator.BuildProxylessListener("reviews.default.svc.cluster.local", 9080).ApiListener.ApiListener_.Unpack<HttpConnectionManager>();

        Assert.Empty(manager.UpgradeConfigs);
    }

    [Fact]
    public void BuildSidecarOutboundListener_NoRouteName_UsesPortTable()
    {
        Assert.Equal(ListenerGenerator.BuildSidecarOutboundListener(80, "80"), ListenerGenerator.BuildSidecarOutboundListener(80));
    }

    [Theory]
    [InlineData(ResourceTypes.Listener, "envoy.config.listener.v3.Listener")]
    [InlineData(ResourceTypes.RouteConfiguration, "envoy.config.route.v3.RouteConfiguration")]
    [InlineData(ResourceTypes.Cluster, "envoy.config.cluster.v3.Cluster")]
    [InlineData(ResourceTypes.ClusterLoadAssignment, "envoy.config.endpoint.v3.ClusterLoadAssignment")]
    [InlineData(ResourceTypes.Secret, "envoy.extensions.transport_sockets.tls.v3.Secret")]
    [InlineData(ResourceTypes.VirtualHost, "envoy.config.route.v3.VirtualHost")]
    public void ResourceTypes_Constant_MatchesMessageDescriptor(string typeUrl, string fullName)
    {
        Assert.Equal("type.googleapis.com/" + fullName, typeUrl);
    }
}
