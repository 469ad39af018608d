using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Envoy.Service.Discovery.V3;
using Envoy.Type.Matcher.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Tests.Configuration;
using Mesh.Proxy.Xds;
using Filter = Envoy.Config.Listener.V3.Filter;
using Resource = Envoy.Service.Discovery.V3.Resource;

namespace Mesh.Proxy.Tests.Xds;

/// <summary>The resources the silo serves a sidecar, in miniature, as Delta responses.</summary>
internal static class XdsResources
{
    public const string V1 = "outbound|8080|v1|echo.mesh.local";

    public static Cluster EdsCluster(string name) => new()
    {
        Name = name,
        Type = Cluster.Types.DiscoveryType.Eds,
        EdsClusterConfig = new Cluster.Types.EdsClusterConfig { ServiceName = name },
    };

    public static Listener SidecarListener(uint port) => new()
    {
        Name = $"0.0.0.0_{port}",
        Address = new Address { SocketAddress = new SocketAddress { Address = "0.0.0.0", PortValue = port } },
        FilterChains =
        {
            new FilterChain
            {
                Filters =
                {
                    new Filter
                    {
                        Name = ListenerTranslator.HttpConnectionManagerFilter,
                        TypedConfig = Any.Pack(new HttpConnectionManager { Rds = new Rds { RouteConfigName = port.ToString() } }),
                    },
                },
            },
        },
    };

    public static RouteConfiguration Routes(string name, string pathRegex = "/.*") => new()
    {
        Name = name,
        VirtualHosts =
        {
            new VirtualHost
            {
                Name = "echo.mesh.local:8080",
                Domains = { "echo.mesh.local:8080" },
                Routes = { new Route { Match = new RouteMatch { SafeRegex = new RegexMatcher { Regex = pathRegex } }, Route_ = new RouteAction { Cluster = V1 } } },
            },
        },
    };

    public static DeltaDiscoveryResponse Delta(string typeUrl, string nonce, params (string Name, Google.Protobuf.IMessage Message)[] resources)
    {
        var response = new DeltaDiscoveryResponse { TypeUrl = typeUrl, Nonce = nonce, SystemVersionInfo = nonce };
        foreach (var (name, message) in resources)
            response.Resources.Add(new Resource { Name = name, Version = $"{name}@{nonce}", Resource_ = Any.Pack(message) });
        return response;
    }

    public static Google.Protobuf.IMessage Assignment(string name, int port) =>
        ClusterTranslatorTests.Assignment(name, ("127.0.0.1", port, HealthStatus.Healthy));
}
