using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Api.Xds;
using Mesh.Grains.Generators;
using Mesh.Grains.Services;
using Envoy.Config.Route.V3;
using Google.Protobuf;
using Mesh.Silo.Push;

namespace Mesh.Silo.Tests.Push;

public sealed class SidecarResourcesTests
{
    private static ServiceFragments Host(string host, string endpoint, uint port = 8080) => Host(host, endpoint, [new ServicePort(port, "HTTP", "http", null)]);

    private static ServiceFragments Host(string host, string endpoint, IReadOnlyList<ServicePort> ports, string ns = "default")
    {
        var service = new MeshService(host, ns, ports,
            new Dictionary<string, string>(), ServiceLocation.MeshInternal, ServiceResolution.Static, []);
        var endpoints = new[] { new MeshEndpoint(endpoint, new Dictionary<string, uint>(), new Dictionary<string, string>(), null, 1, EndpointHealth.Healthy, null, null) };
        return new ServiceFragments(host, "v", ServiceFragmentBuilder.Build(service, endpoints, null, []), false, DateTimeOffset.UnixEpoch, ns);
    }

    private static XdsResource Routes(IEnumerable<XdsResource> composed) => composed.Single(r => r.TypeUrl == ResourceTypes.RouteConfiguration);

    /// <summary>What the hub composed before it stopped parsing: RouteGenerator over the parsed virtual hosts.</summary>
    private static byte[] ParsedComposition(uint port, IEnumerable<ServiceFragments> hosts) =>
        RouteGenerator.BuildSidecarRouteConfiguration(port, hosts.SelectMany(h => h.Resources)
                .Where(r => r.TypeUrl == ResourceTypes.VirtualHost && r.Name.EndsWith($":{port}", StringComparison.Ordinal))
                .Select(r => VirtualHost.Parser.ParseFrom(r.Body)))
            .ToByteArray();

    private static ServicePort Http(uint port) => new(port, "HTTP", $"http-{port}", null);

    [Fact]
    public void Compose_SeveralHostsAndPorts_SameBytesAsParsingTheVirtualHosts()
    {
        ServiceFragments[] hosts =
        [
            Host("reviews.default.svc.cluster.local", "10.0.0.1", [Http(80), Http(9080)]),
            Host("ratings.default.svc.cluster.local", "10.0.0.2", [Http(80)]),
            Host("api.example.com", "10.0.0.3", [Http(9080), new ServicePort(443, "HTTPS", "https", null)]),
            Host("details.shop.svc.cluster.local", "10.0.0.4", [Http(80), Http(9080)], ns: "shop"),
        ];

        var routes = new SidecarResources().Compose(hosts).Where(r => r.TypeUrl == ResourceTypes.RouteConfiguration).ToList();

        Assert.Equal(["80", "9080"], routes.Select(r => r.Name));
        Assert.Equal(ParsedComposition(80, hosts), routes[0].Body);
        Assert.Equal(ParsedComposition(9080, hosts), routes[1].Body);
        Assert.Equal(ContentVersion.Of(routes[0].Body), routes[0].Version);
    }

    [Fact]
    public void Compose_ServiceEntryForAKubernetesAlias_SameResultAsParsingTheVirtualHosts()
    {
        // "reviews" is both a ServiceEntry host and an alias of the Kubernetes service, whose
        // virtual host sorts first and keeps it: the ServiceEntry's is left with no domain.
        ServiceFragments[] hosts =
        [
            Host("reviews", "10.0.0.9", [Http(80)]),
            Host("reviews.default.svc.cluster.local", "10.0.0.1", [Http(80)]),
            Host("reviews.other.svc.cluster.local", "10.0.0.2", [Http(80)], ns: "other"),
        ];

        var routes = Routes(new SidecarResources().Compose(hosts));

        Assert.Equal(ParsedComposition(80, hosts), routes.Body);
        var table = RouteConfiguration.Parser.ParseFrom(routes.Body);
        Assert.Equal(["reviews.default.svc.cluster.local:80", "reviews.other.svc.cluster.local:80"], table.VirtualHosts.Select(v => v.Name));
        Assert.DoesNotContain("reviews", table.VirtualHosts[1].Domains);
    }

    [Fact]
    public void Build_SeveralHostsOnAPort_OneListenerOnTheRouteTable()
    {
        ServiceFragments[] hosts = [Host("a.mesh.local", "10.0.0.1"), Host("b.mesh.local", "10.0.0.2"), Host("c.mesh.local", "10.0.0.3", 9090)];

        var listeners = SnapshotBuilder.Build(hosts).OfType(ResourceTypes.Listener).Values.Where(l => l.Name.StartsWith("0.0.0.0_", StringComparison.Ordinal)).ToList();

        Assert.Equal(["0.0.0.0_8080", "0.0.0.0_9090"], listeners.Select(l => l.Name));
        Assert.Equal(ListenerGenerator.BuildSidecarOutboundListener(8080, "8080").ToByteArray(), listeners[0].Body);
        Assert.Equal(ListenerGenerator.BuildSidecarOutboundListener(9090, "9090").ToByteArray(), listeners[1].Body);
    }

    [Fact]
    public void Build_TcpPortOfAnotherHostOnTheSameNumber_ServesTheHttpListener()
    {
        // "z" sorts after "a": its TCP "0.0.0.0_8080" comes later among the hosts' resources.
        var tcp = Host("z.mesh.local", "10.0.0.2", [new ServicePort(8080, "TCP", "tcp", null)]);

        var snapshot = SnapshotBuilder.Build([Host("a.mesh.local", "10.0.0.1"), tcp]);

        Assert.Equal(ListenerGenerator.BuildSidecarOutboundListener(8080).ToByteArray(), snapshot.OfType(ResourceTypes.Listener)["0.0.0.0_8080"].Body);
    }

    [Fact]
    public void Apply_ScopeSeesEveryHostOfAPort_ReusesTheSnapshotsRouteTable()
    {
        var a = Host("a.mesh.local", "10.0.0.1");
        var hidden = Host("b.mesh.local", "10.0.0.2", [Http(9090)]) with { ExportTo = ["."] };
        var full = SnapshotBuilder.Build([a, hidden], [], new SidecarResources());

        var view = new ProxyScope("elsewhere", null, new Dictionary<string, string>()).Apply(full);

        Assert.Same(full.OfType(ResourceTypes.RouteConfiguration)["8080"], view.OfType(ResourceTypes.RouteConfiguration)["8080"]);
        Assert.False(view.OfType(ResourceTypes.RouteConfiguration).ContainsKey("9090"));
    }

    [Fact]
    public void Compose_OnlyEndpointsChanged_ReusesTheComposedRouteTable()
    {
        var sidecar = new SidecarResources();
        var first = Routes(sidecar.Compose([Host("a.mesh.local", "10.0.0.1"), Host("b.mesh.local", "10.0.0.2")]).ToList());

        var second = Routes(sidecar.Compose([Host("a.mesh.local", "10.0.0.9"), Host("b.mesh.local", "10.0.0.2")]).ToList());

        Assert.Same(first, second);
    }

    [Fact]
    public void Compose_HostAdded_RecomposesWithTheNewVirtualHost()
    {
        var sidecar = new SidecarResources();
        var first = Routes(sidecar.Compose([Host("a.mesh.local", "10.0.0.1")]).ToList());

        var second = Routes(sidecar.Compose([Host("a.mesh.local", "10.0.0.1"), Host("b.mesh.local", "10.0.0.2")]).ToList());

        Assert.NotEqual(first.Version, second.Version);
        var table = RouteConfiguration.Parser.ParseFrom(second.Body);
        Assert.Equal(["a.mesh.local:8080", "b.mesh.local:8080"], table.VirtualHosts.Select(v => v.Name));
    }

    [Fact]
    public void Compose_SameInputWithAFreshInstance_GivesTheSameVersion()
    {
        var hosts = new[] { Host("a.mesh.local", "10.0.0.1") };

        Assert.Equal(Routes(new SidecarResources().Compose(hosts).ToList()).Version, Routes(new SidecarResources().Compose(hosts).ToList()).Version);
    }
}
