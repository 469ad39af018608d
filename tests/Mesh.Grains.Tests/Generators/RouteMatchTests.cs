using Envoy.Config.Route.V3;
using Envoy.Type.Matcher.V3;
using Mesh.Api.Model;
using static Mesh.Grains.Tests.Generators.Fixtures;

namespace Mesh.Grains.Tests.Generators;

public class RouteMatchTests
{
    private static Dictionary<string, StringMatch> One(string name, StringMatch match) => new() { [name] = match };

    public static TheoryData<string, HttpMatchRequest, RouteMatch> Matches => new()
    {
        { "uri exact", Match(Exact("/ratings")), new RouteMatch { Path = "/ratings", CaseSensitive = true } },
        { "uri prefix", Match(Prefix("/api/")), new RouteMatch { Prefix = "/api/", CaseSensitive = true } },
        {
            "uri regex", Match(Regex("/v[0-9]+/.*")),
            new RouteMatch { SafeRegex = new RegexMatcher { Regex = "/v[0-9]+/.*" }, CaseSensitive = true }
        },
        { "no uri", Match(), new RouteMatch { Prefix = "/", CaseSensitive = true } },
        { "ignore uri case", Match(Prefix("/API")) with { IgnoreUriCase = true }, new RouteMatch { Prefix = "/API", CaseSensitive = false } },
        {
            "headers sorted, exact prefix regex",
            Match() with
            {
                Headers = new Dictionary<string, StringMatch>
                {
                    ["x-z"] = Regex("a.*"), ["x-a"] = Exact("1"), ["x-m"] = Prefix("p"),
                },
            },
            new RouteMatch
            {
                Prefix = "/", CaseSensitive = true,
                Headers =
                {
                    new HeaderMatcher { Name = "x-a", StringMatch = new StringMatcher { Exact = "1" } },
                    new HeaderMatcher { Name = "x-m", StringMatch = new StringMatcher { Prefix = "p" } },
                    new HeaderMatcher { Name = "x-z", StringMatch = new StringMatcher { SafeRegex = new RegexMatcher { Regex = "a.*" } } },
                },
            }
        },
        {
            "regex star means present",
            Match() with { Headers = One("x-user", Regex("*")) },
            new RouteMatch { Prefix = "/", CaseSensitive = true, Headers = { new HeaderMatcher { Name = "x-user", PresentMatch = true } } }
        },
        {
            "without headers inverted",
            Match() with { WithoutHeaders = One("x-debug", Exact("1")) },
            new RouteMatch
            {
                Prefix = "/", CaseSensitive = true,
                Headers =
                {
                    new HeaderMatcher
                    {
                        Name = "x-debug", StringMatch = new StringMatcher { Exact = "1" }, InvertMatch = true, TreatMissingHeaderAsEmpty = true,
                    },
                },
            }
        },
        {
            "query params",
            Match() with { QueryParams = new Dictionary<string, StringMatch> { ["v"] = Exact("2"), ["debug"] = Regex("*") } },
            new RouteMatch
            {
                Prefix = "/", CaseSensitive = true,
                QueryParameters =
                {
                    new QueryParameterMatcher { Name = "debug", PresentMatch = true },
                    new QueryParameterMatcher { Name = "v", StringMatch = new StringMatcher { Exact = "2" } },
                },
            }
        },
        {
            "method authority scheme",
            Match() with { Method = Exact("POST"), Authority = Prefix("reviews"), Scheme = Exact("https") },
            new RouteMatch
            {
                Prefix = "/", CaseSensitive = true,
                Headers =
                {
                    new HeaderMatcher { Name = ":method", StringMatch = new StringMatcher { Exact = "POST" } },
                    new HeaderMatcher { Name = ":authority", StringMatch = new StringMatcher { Prefix = "reviews" } },
                    new HeaderMatcher { Name = ":scheme", StringMatch = new StringMatcher { Exact = "https" } },
                },
            }
        },
    };

    [Theory]
    [MemberData(nameof(Matches))]
    public void BuildVirtualHost_Match_TranslatedToRouteMatch(string scenario, HttpMatchRequest match, RouteMatch expected)
    {
        var route = RouteFor(Route(match));

        Assert.True(expected.Equals(route.Match), $"{scenario}: {route.Match}");
    }

    [Fact]
    public void BuildVirtualHost_NoMatch_PrefixSlash()
    {
        var route = RouteFor(Route());

        Assert.Equal(new RouteMatch { Prefix = "/" }, route.Match);
    }

    [Fact]
    public void BuildVirtualHost_SeveralMatches_OneRoutePerMatchSameAction()
    {
        var http = Route(Match(Exact("/a")) with { Name = "a" }, Match(Prefix("/b")) with { Name = "b" }) with { Name = "split" };

        var routes = RoutesFor(http);

        Assert.Equal(["split.a", "split.b"], routes.Select(r => r.Name));
        Assert.Equal(["/a", "/b"], routes.Select(r => r.Match.Path + r.Match.Prefix));
        Assert.Equal(routes[0].Route_, routes[1].Route_);
    }

    [Fact]
    public void BuildVirtualHost_MatchOnOtherPort_Skipped()
    {
        var routes = RoutesFor(
            Route(Match(Exact("/other")) with { Port = 1234 }, Match(Exact("/this")) with { Port = HttpPort.Number }),
            Route(Match(Exact("/any"))));

        Assert.Equal(["/this", "/any"], routes.Select(r => r.Match.Path));
    }

    [Theory]
    [InlineData("app=productpage", true)]
    [InlineData("app=productpage,version=v1", true)]
    [InlineData("app=ratings", false)]
    [InlineData("", false)]
    public void BuildVirtualHost_SourceLabels_KeptOnlyForMatchingProxies(string proxyLabels, bool kept)
    {
        var http = Route(Match(Exact("/scoped")) with { SourceLabels = Labels("app=productpage") });
        var view = View(virtualServices: Vs(http, Route()));

        var withLabels = Mesh.Grains.Generators.RouteGenerator.BuildVirtualHost(view, HttpPort, Labels(proxyLabels)).Routes;
        var anyProxy = Mesh.Grains.Generators.RouteGenerator.BuildVirtualHost(view, HttpPort).Routes;

        Assert.Equal(kept ? 2 : 1, withLabels.Count);
        Assert.Equal(2, anyProxy.Count);
    }
}
