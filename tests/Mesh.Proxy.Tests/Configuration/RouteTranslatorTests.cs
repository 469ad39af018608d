using Envoy.Config.Core.V3;
using Envoy.Config.Route.V3;
using Envoy.Type.Matcher.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Proxy.Configuration;
using Route = Envoy.Config.Route.V3.Route;
using EnvoyRedirect = Envoy.Config.Route.V3.RedirectAction;
using RetryPolicy = Envoy.Config.Route.V3.RetryPolicy;

namespace Mesh.Proxy.Tests.Configuration;

public sealed class RouteTranslatorTests
{
    private static RouteConfiguration Table(params Route[] routes) => new()
    {
        Name = "8080",
        VirtualHosts = { new VirtualHost { Name = "echo.mesh.local:8080", Domains = { "echo.mesh.local", "echo.mesh.local:8080" }, Routes = { routes } } },
    };

    private static Route ToCluster(RouteMatch match, string cluster = "outbound|8080||echo.mesh.local") =>
        new() { Name = "r", Match = match, Route_ = new RouteAction { Cluster = cluster } };

    private static RouteEntry Single(Route route) => RouteTranslator.Translate(Table(route)).VirtualHosts[0].Routes[0];

    public static TheoryData<string, RouteMatch, PathMatchKind, string> Paths => new()
    {
        { "prefix", new RouteMatch { Prefix = "/api" }, PathMatchKind.Prefix, "/api" },
        { "exact", new RouteMatch { Path = "/health" }, PathMatchKind.Exact, "/health" },
        { "regex", new RouteMatch { SafeRegex = new RegexMatcher { Regex = "/v[0-9]+/.*" } }, PathMatchKind.Regex, "/v[0-9]+/.*" },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void Translate_PathSpecifier_KeepsKindAndValue(string _, RouteMatch match, PathMatchKind kind, string value)
    {
        var entry = Single(ToCluster(match));

        Assert.Equal(kind, entry.Match.Path.Kind);
        Assert.Equal(value, entry.Match.Path.Value);
    }

    [Theory]
    [InlineData("/api", "/api/users", true)]
    [InlineData("/api", "/apix", true)]   // Envoy's prefix is a string prefix, not a segment prefix
    [InlineData("/api", "/API/users", false)]
    [InlineData("/v[0-9]+/.*", "/v12/x", true)]
    [InlineData("/v[0-9]+/.*", "/x/v12/x", false)] // safe_regex must match the whole path
    public void Matches_Path_AsEnvoy(string pattern, string path, bool expected)
    {
        var match = pattern.Contains('[') ? new RouteMatch { SafeRegex = new RegexMatcher { Regex = pattern } } : new RouteMatch { Prefix = pattern };

        Assert.Equal(expected, Single(ToCluster(match)).Match.Path.Matches(path));
    }

    [Fact]
    public void Translate_CaseInsensitivePrefix_MatchesAnyCase()
    {
        var entry = Single(ToCluster(new RouteMatch { Prefix = "/api", CaseSensitive = false }));

        Assert.True(entry.Match.Path.Matches("/API/users"));
    }

    public static TheoryData<string, HeaderMatcher, string?, bool> Headers => new()
    {
        { "exact hit", new HeaderMatcher { Name = "end-user", StringMatch = new StringMatcher { Exact = "jason" } }, "jason", true },
        { "exact miss", new HeaderMatcher { Name = "end-user", StringMatch = new StringMatcher { Exact = "jason" } }, "alice", false },
        { "exact absent", new HeaderMatcher { Name = "end-user", StringMatch = new StringMatcher { Exact = "jason" } }, null, false },
        { "prefix", new HeaderMatcher { Name = "x", StringMatch = new StringMatcher { Prefix = "ab" } }, "abc", true },
        { "regex", new HeaderMatcher { Name = "x", StringMatch = new StringMatcher { SafeRegex = new RegexMatcher { Regex = "a.c" } } }, "abc", true },
        { "regex is full match", new HeaderMatcher { Name = "x", StringMatch = new StringMatcher { SafeRegex = new RegexMatcher { Regex = "b" } } }, "abc", false },
        { "present", new HeaderMatcher { Name = "x", PresentMatch = true }, "", true },
        { "present absent", new HeaderMatcher { Name = "x", PresentMatch = true }, null, false },
        { "inverted, missing as empty", new HeaderMatcher { Name = "x", InvertMatch = true, TreatMissingHeaderAsEmpty = true, StringMatch = new StringMatcher { Exact = "v" } }, null, true },
        { "inverted hit", new HeaderMatcher { Name = "x", InvertMatch = true, StringMatch = new StringMatcher { Exact = "v" } }, "v", false },
        { "ignore case", new HeaderMatcher { Name = "x", StringMatch = new StringMatcher { Exact = "ABC", IgnoreCase = true } }, "abc", true },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void Matches_HeaderMatcher_AsEnvoy(string _, HeaderMatcher header, string? value, bool expected)
    {
        var entry = Single(ToCluster(new RouteMatch { Prefix = "/", Headers = { header } }));

        Assert.Equal(expected, entry.Match.Headers[0].Matches(value));
    }

    [Fact]
    public void Translate_WeightedClusters_KeepsPositiveWeightsInOrder()
    {
        var route = new Route
        {
            Match = new RouteMatch { Prefix = "/" },
            Route_ = new RouteAction
            {
                WeightedClusters = new WeightedCluster
                {
                    Clusters =
                    {
                        new WeightedCluster.Types.ClusterWeight { Name = "v1", Weight = 90 },
                        new WeightedCluster.Types.ClusterWeight { Name = "v0", Weight = 0 },
                        new WeightedCluster.Types.ClusterWeight { Name = "v2", Weight = 10 },
                    },
                },
            },
        };

        var action = Assert.IsType<ForwardAction>(Single(route).Action);

        Assert.Equal(["v1", "v2"], action.Clusters.Select(c => c.Cluster));
        Assert.Equal(100u, action.TotalWeight);
        Assert.Equal("v1", action.Pick(89).Cluster);
        Assert.Equal("v2", action.Pick(90).Cluster);
        Assert.Equal("v2", action.Pick(99).Cluster);
    }

    public static TheoryData<Duration?, TimeSpan?> Timeouts => new()
    {
        { null, TimeSpan.FromSeconds(15) },               // Envoy's default when absent
        { Duration.FromTimeSpan(TimeSpan.Zero), null },   // Istio's "no timeout"
        { Duration.FromTimeSpan(TimeSpan.FromSeconds(3)), TimeSpan.FromSeconds(3) },
    };

    [Theory]
    [MemberData(nameof(Timeouts))]
    public void Translate_Timeout_AsEnvoy(Duration? timeout, TimeSpan? expected)
    {
        var route = ToCluster(new RouteMatch { Prefix = "/" });
        route.Route_.Timeout = timeout;

        Assert.Equal(expected, Assert.IsType<ForwardAction>(Single(route).Action).Timeout);
    }

    [Fact]
    public void Translate_RetryPolicy_ParsesConditionsAndStatusCodes()
    {
        var route = ToCluster(new RouteMatch { Prefix = "/" });
        route.Route_.RetryPolicy = new RetryPolicy
        {
            RetryOn = "gateway-error,connect-failure,retriable-status-codes",
            NumRetries = 3,
            RetriableStatusCodes = { 409 },
            PerTryTimeout = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(500)),
        };

        var retry = Assert.IsType<ForwardAction>(Single(route).Action).Retry!;

        Assert.Equal(3, retry.NumRetries);
        Assert.True(retry.OnConnectFailure);
        Assert.True(retry.RetriesStatus(503));
        Assert.True(retry.RetriesStatus(409));
        Assert.False(retry.RetriesStatus(500));
        Assert.Equal(TimeSpan.FromMilliseconds(500), retry.PerTryTimeout);
    }

    [Fact]
    public void Translate_Retriable4xxAndBackOff_409RetriedWithConfiguredIntervals()
    {
        var route = ToCluster(new RouteMatch { Prefix = "/" });
        route.Route_.RetryPolicy = new RetryPolicy
        {
            RetryOn = "retriable-4xx",
            NumRetries = 2,
            RetryBackOff = new RetryPolicy.Types.RetryBackOff { BaseInterval = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100)) },
        };

        var retry = Assert.IsType<ForwardAction>(Single(route).Action).Retry!;

        Assert.True(retry.RetriesStatus(409));
        Assert.False(retry.RetriesStatus(404));
        Assert.False(retry.RetriesStatus(503));
        Assert.Equal(TimeSpan.FromMilliseconds(100), retry.BackOffBase);
        Assert.Equal(TimeSpan.FromSeconds(1), retry.BackOffMax);
    }

    [Theory]
    [InlineData(1, 1.0, 25)]
    [InlineData(2, 1.0, 75)]
    [InlineData(3, 0.5, 87.5)]
    [InlineData(5, 1.0, 250)]
    [InlineData(1, 0.0, 0)]
    public void BackOff_RetryAndDraw_JitteredExponentialCappedAtMax(int retry, double unit, double expectedMs)
    {
        var spec = new RetrySpec(3, true, false, true, true, [], null);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), spec.BackOff(retry, unit));
    }

    [Fact]
    public void Translate_DirectResponseAndRedirect_BecomeLocalActions()
    {
        var direct = new Route { Match = new RouteMatch { Prefix = "/" }, DirectResponse = new Envoy.Config.Route.V3.DirectResponseAction { Status = 418, Body = new DataSource { InlineString = "teapot" } } };
        var redirect = new Route { Match = new RouteMatch { Prefix = "/" }, Redirect = new EnvoyRedirect { HostRedirect = "new.example", PathRedirect = "/x", ResponseCode = EnvoyRedirect.Types.RedirectResponseCode.Found } };

        Assert.Equal(new Mesh.Proxy.Configuration.DirectResponseAction(418, "teapot"), Single(direct).Action);
        Assert.Equal(new Mesh.Proxy.Configuration.RedirectAction(302, null, "new.example", null, "/x"), Single(redirect).Action);
    }

    public static TheoryData<string, Route, string> Rejections => new()
    {
        { "bad regex", new Route { Name = "bad", Match = new RouteMatch { SafeRegex = new RegexMatcher { Regex = "(" } }, Route_ = new RouteAction { Cluster = "c" } },
            "RouteConfiguration \"8080\": virtual_hosts[0] (echo.mesh.local:8080).routes[0] (bad).match.safe_regex: invalid regex \"(\"" },
        { "backreference (not RE2)", new Route { Match = new RouteMatch { SafeRegex = new RegexMatcher { Regex = "(a)\\1" } }, Route_ = new RouteAction { Cluster = "c" } },
            "routes[0].match.safe_regex: invalid regex" },
        { "cluster_header", new Route { Match = new RouteMatch { Prefix = "/" }, Route_ = new RouteAction { ClusterHeader = "x-cluster" } },
            "routes[0].route: cluster specifier ClusterHeader: not supported" },
        { "zero weights", new Route { Match = new RouteMatch { Prefix = "/" }, Route_ = new RouteAction { WeightedClusters = new WeightedCluster { Clusters = { new WeightedCluster.Types.ClusterWeight { Name = "a", Weight = 0 } } } } },
            "routes[0].route.weighted_clusters.clusters: the total weight must be greater than 0" },
        { "no action", new Route { Match = new RouteMatch { Prefix = "/" } },
            "routes[0]: action None: not supported" },
        { "header regex", new Route { Match = new RouteMatch { Prefix = "/", Headers = { new HeaderMatcher { Name = "x", StringMatch = new StringMatcher { SafeRegex = new RegexMatcher { Regex = "[" } } } } }, Route_ = new RouteAction { Cluster = "c" } },
            "routes[0].match.headers[0] (x).string_match.safe_regex: invalid regex \"[\"" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Translate_Unsupported_ThrowsNamingResourceAndField(string _, Route route, string expected)
    {
        var error = Assert.Throws<TranslationException>(() => RouteTranslator.Translate(Table(route)));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Translate_VirtualHostWithoutDomains_Throws()
    {
        var config = new RouteConfiguration { Name = "80", VirtualHosts = { new VirtualHost { Name = "empty" } } };

        var error = Assert.Throws<TranslationException>(() => RouteTranslator.Translate(config));

        Assert.Equal("RouteConfiguration \"80\": virtual_hosts[0] (empty).domains: at least one domain is required", error.Message);
    }
}

public sealed class Re2Tests
{
    [Theory]
    [InlineData("(?P<v>[0-9]+)", "(?<v>[0-9]+)")]
    [InlineData("\\(?P<x", "\\(?P<x")]       // an escaped paren opens no group
    [InlineData("[(?P<]", "[(?P<]")]         // nor does one inside a class
    [InlineData("/plain/.*", "/plain/.*")]
    public void FromRe2_NamedGroups_SpelledForDotNet(string re2, string expected) =>
        Assert.Equal(expected, RouteMatchTranslator.FromRe2(re2));
}
