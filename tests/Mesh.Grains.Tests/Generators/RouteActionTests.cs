using Envoy.Config.Core.V3;
using Envoy.Config.Route.V3;
using Envoy.Type.V3;
using Mesh.Api.Model;
using Mesh.Grains.Generators;
using static Mesh.Grains.Tests.Generators.Fixtures;
using Duration = Google.Protobuf.WellKnownTypes.Duration;
using Percent = Mesh.Api.Model.Percent;
using RetryPolicy = Envoy.Config.Route.V3.RetryPolicy;

namespace Mesh.Grains.Tests.Generators;

public class RouteActionTests
{
    private static Duration Seconds(double s) => Duration.FromTimeSpan(TimeSpan.FromSeconds(s));

    public static TheoryData<string, HttpRouteDestination, string> SingleDestinations => new()
    {
        { "same host, current port", Dest(), $"outbound|9080||{Host}" },
        { "subset", Dest(subset: "v2"), $"outbound|9080|v2|{Host}" },
        { "explicit port", Dest(port: 7070), $"outbound|7070||{Host}" },
        { "short host in the VirtualService namespace", Dest("ratings", "v1"), "outbound|9080|v1|ratings.default.svc.cluster.local" },
        { "external host", Dest("api.example.com"), "outbound|9080||api.example.com" },
    };

    [Theory]
    [MemberData(nameof(SingleDestinations))]
    public void BuildVirtualHost_SingleDestination_ClusterName(string scenario, HttpRouteDestination destination, string cluster)
    {
        var route = RouteFor(Route() with { Route = [destination] });

        Assert.True(cluster == route.Route_.Cluster, $"{scenario}: {route.Route_.Cluster}");
    }

    [Fact]
    public void BuildVirtualHost_DestinationWithOnePort_UsesThatPort()
    {
        var ratings = View(Service(host: "ratings.default.svc.cluster.local", ports: [new ServicePort(8080, "HTTP", "http", null)]));
        var view = View(virtualServices: Vs(Route() with { Route = [Dest("ratings")] }));

        var route = Assert.Single(RouteGenerator.BuildVirtualHost(view, HttpPort, null, h => h == ratings.Service.Host ? ratings : null).Routes);

        Assert.Equal("outbound|8080||ratings.default.svc.cluster.local", route.Route_.Cluster);
    }

    [Fact]
    public void BuildVirtualHost_Weights_WeightedClustersWithoutZeroWeights()
    {
        var route = RouteFor(Route() with { Route = [Dest(subset: "v1", weight: 75), Dest(subset: "v2", weight: 25), Dest(subset: "v3", weight: 0)] });

        var expected = new WeightedCluster
        {
            Clusters =
            {
                new WeightedCluster.Types.ClusterWeight { Name = $"outbound|9080|v1|{Host}", Weight = 75 },
                new WeightedCluster.Types.ClusterWeight { Name = $"outbound|9080|v2|{Host}", Weight = 25 },
            },
        };
        Assert.Equal(expected, route.Route_.WeightedClusters);
    }

    [Fact]
    public void BuildVirtualHost_Rewrite_PrefixRewriteAndHostLiteral()
    {
        var route = RouteFor(Route(Match(Prefix("/v1/"))) with { Rewrite = new HttpRewrite("/", "ratings.internal") });

        Assert.Equal(("/", "ratings.internal"), (route.Route_.PrefixRewrite, route.Route_.HostRewriteLiteral));
    }

    public static TheoryData<string, HttpRedirect, RedirectAction> Redirects => new()
    {
        { "default code", new HttpRedirect("/new", null, null, null, 0), new RedirectAction { PathRedirect = "/new" } },
        {
            "host and 302", new HttpRedirect(null, "example.com", null, null, 302),
            new RedirectAction { HostRedirect = "example.com", ResponseCode = RedirectAction.Types.RedirectResponseCode.Found }
        },
        {
            "scheme port 303", new HttpRedirect(null, null, 8443, "https", 303),
            new RedirectAction { SchemeRedirect = "https", PortRedirect = 8443, ResponseCode = RedirectAction.Types.RedirectResponseCode.SeeOther }
        },
        {
            "default https port dropped, 307", new HttpRedirect(null, null, 443, "https", 307),
            new RedirectAction { SchemeRedirect = "https", ResponseCode = RedirectAction.Types.RedirectResponseCode.TemporaryRedirect }
        },
        {
            "308", new HttpRedirect("/x", null, 8080, null, 308),
            new RedirectAction { PathRedirect = "/x", PortRedirect = 8080, ResponseCode = RedirectAction.Types.RedirectResponseCode.PermanentRedirect }
        },
    };

    [Theory]
    [MemberData(nameof(Redirects))]
    public void BuildVirtualHost_Redirect_RedirectAction(string scenario, HttpRedirect redirect, RedirectAction expected)
    {
        var route = RouteFor(Route() with { Route = [], Redirect = redirect });

        Assert.True(expected.Equals(route.Redirect), $"{scenario}: {route.Redirect}");
    }

    [Fact]
    public void BuildVirtualHost_DirectResponse_StatusAndInlineBody()
    {
        var route = RouteFor(Route() with { Route = [], DirectResponse = new HttpDirectResponse(418, "teapot") });

        Assert.Equal(new DirectResponseAction { Status = 418, Body = new DataSource { InlineString = "teapot" } }, route.DirectResponse);
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData(2.5, 2.5)]
    public void BuildVirtualHost_Timeout_RouteTimeoutAndStreamDuration(double? timeout, double expected)
    {
        var route = RouteFor(Route() with { Timeout = timeout is { } t ? TimeSpan.FromSeconds(t) : null });

        Assert.Equal(Seconds(expected), route.Route_.Timeout);
        Assert.Equal(new RouteAction.Types.MaxStreamDuration { MaxStreamDuration_ = Seconds(expected), GrpcTimeoutHeaderMax = Seconds(expected) },
            route.Route_.MaxStreamDuration);
    }

    public static TheoryData<string, HttpRetry?, RetryPolicy?> Retries => new()
    {
        {
            "unset: Istio default", null,
            new RetryPolicy { NumRetries = 2, RetryOn = RoutePolicies.DefaultRetryOn, RetriableStatusCodes = { 503 } }
        },
        { "attempts 0: none", new HttpRetry(0, null, "5xx", null), null },
        {
            "attempts and per-try", new HttpRetry(3, TimeSpan.FromSeconds(2), null, null),
            new RetryPolicy { NumRetries = 3, RetryOn = RoutePolicies.DefaultRetryOn, RetriableStatusCodes = { 503 }, PerTryTimeout = Seconds(2) }
        },
        {
            "retryOn with status codes", new HttpRetry(1, null, "gateway-error, 502,504", null),
            new RetryPolicy { NumRetries = 1, RetryOn = "gateway-error,retriable-status-codes", RetriableStatusCodes = { 502, 504 } }
        },
        { "retryOn grpc names", new HttpRetry(4, null, "unavailable,cancelled", null), new RetryPolicy { NumRetries = 4, RetryOn = "unavailable,cancelled" } },
    };

    [Theory]
    [MemberData(nameof(Retries))]
    public void BuildVirtualHost_Retries_RetryPolicy(string scenario, HttpRetry? retries, RetryPolicy? expected)
    {
        var route = RouteFor(Route() with { Retries = retries });

        Assert.True(Equals(expected, route.Route_.RetryPolicy), $"{scenario}: {route.Route_.RetryPolicy}");
    }

    [Fact]
    public void BuildVirtualHost_Mirror_PolicyWithPercentage()
    {
        var route = RouteFor(Route() with { Mirror = new Destination("reviews", "v3"), MirrorPercentage = new Percent(12.5) });

        Assert.Equal(new RouteAction.Types.RequestMirrorPolicy
        {
            Cluster = $"outbound|9080|v3|{Host}",
            RuntimeFraction = new RuntimeFractionalPercent
            {
                DefaultValue = new FractionalPercent { Numerator = 125_000, Denominator = FractionalPercent.Types.DenominatorType.Million },
            },
        }, Assert.Single(route.Route_.RequestMirrorPolicies));
    }

    [Theory]
    [InlineData(null, 1)]
    [InlineData(0.0, 0)]
    public void BuildVirtualHost_MirrorPercentage_DefaultAllOrExplicitZeroNone(double? percentage, int policies)
    {
        var route = RouteFor(Route() with { Mirror = new Destination(Host), MirrorPercentage = percentage is { } p ? new Percent(p) : null });

        Assert.Equal(policies, route.Route_.RequestMirrorPolicies.Count);
        if (policies == 1)
            Assert.Equal(new FractionalPercent { Numerator = 100 }, route.Route_.RequestMirrorPolicies[0].RuntimeFraction.DefaultValue);
    }

    [Fact]
    public void BuildVirtualHost_RouteHeaders_AddSetRemoveAtRouteLevel()
    {
        var headers = new Headers(
            HeaderOps(set: new Dictionary<string, string> { ["x-set"] = "1" }, add: new Dictionary<string, string> { ["x-add"] = "2" }, "x-drop"),
            HeaderOps(add: new Dictionary<string, string> { ["x-resp"] = "3" }, remove: "server"));

        var route = RouteFor(Route() with { Headers = headers });

        Assert.Equal([Option("x-set", "1", overwrite: true), Option("x-add", "2", overwrite: false)], route.RequestHeadersToAdd);
        Assert.Equal(["x-drop"], route.RequestHeadersToRemove);
        Assert.Equal([Option("x-resp", "3", overwrite: false)], route.ResponseHeadersToAdd);
        Assert.Equal(["server"], route.ResponseHeadersToRemove);
    }

    [Fact]
    public void BuildVirtualHost_DestinationHeaders_OnWeightedEntry()
    {
        var headers = new Headers(HeaderOps(set: new Dictionary<string, string> { ["x-v"] = "v1" }, remove: "x-old"), null);

        var route = RouteFor(Route() with { Route = [Dest(subset: "v1", weight: 50, headers: headers), Dest(subset: "v2", weight: 50)] });

        var entry = route.Route_.WeightedClusters.Clusters[0];
        Assert.Equal([Option("x-v", "v1", overwrite: true)], entry.RequestHeadersToAdd);
        Assert.Equal(["x-old"], entry.RequestHeadersToRemove);
        Assert.Empty(route.RequestHeadersToAdd);
    }

    [Fact]
    public void BuildVirtualHost_AuthorityHeader_BecomesHostRewrite()
    {
        var headers = new Headers(HeaderOps(set: new Dictionary<string, string> { [":authority"] = "backend" }), null);

        var route = RouteFor(Route() with { Headers = headers });

        Assert.Equal("backend", route.Route_.HostRewriteLiteral);
        Assert.Empty(route.RequestHeadersToAdd);
    }

    private static HeaderValueOption Option(string key, string value, bool overwrite) => new()
    {
        Header = new HeaderValue { Key = key, Value = value },
        AppendAction = overwrite
            ? HeaderValueOption.Types.HeaderAppendAction.OverwriteIfExistsOrAdd
            : HeaderValueOption.Types.HeaderAppendAction.AppendIfExistsOrAdd,
    };
}
