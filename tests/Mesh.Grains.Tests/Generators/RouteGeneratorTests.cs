using Envoy.Config.Route.V3;
using Mesh.Api.Model;
using Mesh.Grains.Generators;
using static Mesh.Grains.Tests.Generators.Fixtures;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace Mesh.Grains.Tests.Generators;

public class RouteGeneratorTests
{
    public static TheoryData<string, string, string[]> DomainCases => new()
    {
        {
            "kubernetes host", Host,
            [
                Host, $"{Host}:9080", "reviews", "reviews:9080", "reviews.default", "reviews.default:9080",
                "reviews.default.svc", "reviews.default.svc:9080",
            ]
        },
        { "external host", "api.example.com", ["api.example.com", "api.example.com:9080"] },
    };

    [Theory]
    [MemberData(nameof(DomainCases))]
    public void BuildVirtualHost_Host_NamedHostPortWithDomains(string scenario, string host, string[] domains)
    {
        var virtualHost = RouteGenerator.BuildVirtualHost(View(Service(host: host)), HttpPort);

        Assert.Equal($"{host}:9080", virtualHost.Name);
        Assert.True(domains.SequenceEqual(virtualHost.Domains), $"{scenario}: {virtualHost.Domains}");
    }

    [Fact]
    public void BuildVirtualHost_NoVirtualService_IstioDefaultRoute()
    {
        var route = Assert.Single(RouteGenerator.BuildVirtualHost(View(), HttpPort).Routes);

        var zero = new Duration();
        Assert.Equal(new Route
        {
            Name = "default",
            Match = new RouteMatch { Prefix = "/" },
            Route_ = new RouteAction
            {
                Cluster = $"outbound|9080||{Host}",
                Timeout = zero,
                MaxStreamDuration = new RouteAction.Types.MaxStreamDuration { MaxStreamDuration_ = zero, GrpcTimeoutHeaderMax = zero },
                RetryPolicy = new RetryPolicy { NumRetries = 2, RetryOn = RoutePolicies.DefaultRetryOn, RetriableStatusCodes = { 503 } },
            },
        }, route);
    }

    [Fact]
    public void BuildVirtualHost_VirtualServiceWithoutCatchAll_NoDefaultRoute()
    {
        var routes = RoutesFor(Route(Match(Prefix("/api"))));

        Assert.Equal(["/api"], routes.Select(r => r.Match.Prefix));
    }

    [Fact]
    public void BuildVirtualHost_VirtualServiceOnlyForOtherPort_DefaultRoute()
    {
        var routes = RoutesFor(Route(Match(Prefix("/api")) with { Port = 1 }));

        Assert.Equal([RouteGenerator.DefaultRouteName], routes.Select(r => r.Name));
    }

    [Fact]
    public void BuildVirtualHost_RoutesAfterCatchAll_Dropped()
    {
        var routes = RoutesFor(Route(Match(Exact("/a"))), Route() with { Name = "all" }, Route(Match(Exact("/never"))));

        Assert.Equal(["", "all"], routes.Select(r => r.Name));
    }

    [Fact]
    public void BuildVirtualHost_SeveralVirtualServices_FirstByNameWins()
    {
        var view = View(virtualServices:
        [
            Vs("zeta", [Host], Route() with { Name = "zeta" }),
            Vs("alpha", ["reviews"], Route() with { Name = "alpha" }),
        ]);

        var route = Assert.Single(RouteGenerator.BuildVirtualHost(view, HttpPort).Routes);

        Assert.Equal("alpha", route.Name);
    }

    [Fact]
    public void BuildVirtualHost_ExactHostAndWildcard_ExactWins()
    {
        var view = View(virtualServices:
        [
            Vs("a-wildcard", ["*.svc.cluster.local"], Route() with { Name = "wildcard" }),
            Vs("b-exact", [Host], Route() with { Name = "exact" }),
        ]);

        var route = Assert.Single(RouteGenerator.BuildVirtualHost(view, HttpPort).Routes);

        Assert.Equal("exact", route.Name);
    }

    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "mesh" }, true)]
    [InlineData(new[] { "istio-system/ingress" }, false)]
    public void BuildVirtualHost_Gateways_OnlyMeshVirtualServicesApply(string[] gateways, bool applies)
    {
        var vs = Vs(Route() with { Name = "vs" });
        var view = View(virtualServices: vs with { Spec = vs.Spec with { Gateways = gateways } });

        var route = Assert.Single(RouteGenerator.BuildVirtualHost(view, HttpPort).Routes);

        Assert.Equal(applies ? "vs" : RouteGenerator.DefaultRouteName, route.Name);
    }

    [Fact]
    public void BuildVirtualHost_OtherHostsVirtualService_Ignored()
    {
        var view = View(virtualServices: Vs("ratings", ["ratings"], Route() with { Name = "ratings" }));

        Assert.Equal(RouteGenerator.DefaultRouteName, Assert.Single(RouteGenerator.BuildVirtualHost(view, HttpPort).Routes).Name);
    }

    [Fact]
    public void BuildRouteConfiguration_Proxyless_NamedHostPortWithThatVirtualHost()
    {
        var config = RouteGenerator.BuildRouteConfiguration(View(), HttpPort);

        Assert.Equal($"{Host}:9080", config.Name);
        var virtualHost = Assert.Single(config.VirtualHosts);
        Assert.Contains($"{Host}:9080", virtualHost.Domains);
        Assert.Equal(RouteGenerator.BuildVirtualHost(View(), HttpPort), virtualHost);
    }

    [Fact]
    public void BuildSidecarRouteConfiguration_VirtualHosts_SortedByNameNoClusterValidation()
    {
        var b = RouteGenerator.BuildVirtualHost(View(Service(host: "b.example.com")), HttpPort);
        var a = RouteGenerator.BuildVirtualHost(View(Service(host: "a.example.com")), HttpPort);

        var config = RouteGenerator.BuildSidecarRouteConfiguration(9080, [b, a]);

        Assert.Equal("9080", config.Name);
        Assert.False(config.ValidateClusters);
        Assert.Equal(["a.example.com:9080", "b.example.com:9080"], config.VirtualHosts.Select(v => v.Name));
    }

    [Fact]
    public void BuildSidecarRouteConfiguration_SharedShortName_FirstVirtualHostKeepsIt()
    {
        var inA = RouteGenerator.BuildVirtualHost(View(Service(host: "reviews.a.svc.cluster.local")), HttpPort);
        var inB = RouteGenerator.BuildVirtualHost(View(Service(host: "reviews.b.svc.cluster.local")), HttpPort);

        var config = RouteGenerator.BuildSidecarRouteConfiguration(9080, [inB, inA]);

        var domains = config.VirtualHosts.SelectMany(v => v.Domains).ToList();
        Assert.Equal(domains.Count, domains.Distinct().Count());
        Assert.Contains("reviews", config.VirtualHosts[0].Domains);
        Assert.DoesNotContain("reviews", config.VirtualHosts[1].Domains);
        Assert.Contains("reviews.b", config.VirtualHosts[1].Domains);
    }

    private const string CustomDomainHost = "reviews.default.svc.example.org";

    [Fact]
    public void BuildVirtualHost_ShortDestinationUnderCustomDomain_RoutesToDomainCluster()
    {
        // "reviews" in namespace default, as written in a VirtualService of a mesh run with --kube-domain example.org.
        var vs = Vs("reviews", ["reviews"], Route() with { Route = [Dest(host: "reviews")] });
        var view = View(Service(host: CustomDomainHost), virtualServices: vs) with { Domain = "example.org" };

        var route = Assert.Single(RouteGenerator.BuildVirtualHost(view, HttpPort).Routes);

        Assert.Equal($"outbound|9080||{CustomDomainHost}", route.Route_.Cluster);
    }

    [Fact]
    public void BuildVirtualHost_CustomDomainHost_KubernetesAliases()
    {
        var view = View(Service(host: CustomDomainHost)) with { Domain = "example.org" };

        var virtualHost = RouteGenerator.BuildVirtualHost(view, HttpPort);

        Assert.Equal(
            [CustomDomainHost, "reviews", "reviews.default", "reviews.default.svc"],
            virtualHost.Domains.Where(d => !d.Contains(':')));
    }

    [Fact]
    public void BuildVirtualHost_ClusterLocalHostUnderCustomDomain_NoAliases()
    {
        // Under example.org, cluster.local is not the cluster's domain: the host is taken as an external name.
        var view = View(Service(host: Host)) with { Domain = "example.org" };

        Assert.Equal([Host, $"{Host}:9080"], RouteGenerator.BuildVirtualHost(view, HttpPort).Domains);
    }
}
