using System.Collections.Immutable;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Routing;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.Routing;

public sealed class OutboundRouterTests
{
    private static readonly ForwardAction ToA = new([new WeightedTarget("a", 1, HeaderOperations.None)], null, null, null, null);

    private static RouteEntry Route(string name, PathMatchSpec path, ImmutableArray<HeaderMatchSpec> headers = default, ImmutableArray<QueryMatchSpec> query = default) =>
        new(name, new RouteMatchSpec(path, headers.IsDefault ? [] : headers, query.IsDefault ? [] : query), ToA, HeaderOperations.None);

    private static VirtualHostRoutes Host(string name, params string[] domains) =>
        new(name, [.. domains], [Route(name, PathMatchSpec.CatchAll)]);

    public static TheoryData<string, string?> Authorities => new()
    {
        { "api.example.com", "exact" },
        { "API.Example.com", "exact" },
        { "x.example.com", "suffix" },
        { "a.b.example.com", "suffix" },
        { "x.deep.example.com", "longer-suffix" },
        { "api.other", "prefix" },
        { "elsewhere", "any" },
    };

    [Theory]
    [MemberData(nameof(Authorities))]
    public void FindVirtualHost_Authority_ExactThenSuffixThenPrefixThenAny(string authority, string? expected)
    {
        var table = new RouteTable("80",
        [
            Host("any", "*"),
            Host("prefix", "api.*"),
            Host("suffix", "*.example.com"),
            Host("longer-suffix", "*.deep.example.com"),
            Host("exact", "api.example.com"),
        ]);

        Assert.Equal(expected, table.FindVirtualHost(authority.ToLowerInvariant())?.Name);
    }

    [Theory]
    [InlineData("echo:8080", 8080u)]
    [InlineData("echo", 80u)]
    [InlineData("[::1]", 80u)]
    [InlineData("[::1]:9000", 9000u)]
    public void Port_Authority_ParsesOrDefaultsTo80(string authority, uint expected) => Assert.Equal(expected, OutboundRouter.Port(authority));

    [Theory]
    [InlineData("GET", "/api/x", "", "fallback")]            // the first route also needs the header
    [InlineData("GET", "/api/x", "", "api-jason", "end-user", "jason")]
    [InlineData("GET", "/api/x", "?debug=1", "debug")]
    [InlineData("POST", "/other", "", "post")]
    [InlineData("GET", "/other", "", "fallback")]
    public void Select_Request_FirstMatchingRouteInOrder(string method, string path, string query, string expected, params string[] header)
    {
        var routes = ImmutableArray.Create(
            Route("api-jason", new PathMatchSpec(PathMatchKind.Prefix, "/api", true, null),
                headers: [new HeaderMatchSpec("end-user", new StringMatchSpec(StringMatchKind.Exact, "jason", false, null), false, false)]),
            Route("debug", PathMatchSpec.CatchAll, query: [new QueryMatchSpec("debug", null)]),
            Route("post", PathMatchSpec.CatchAll, headers: [new HeaderMatchSpec(":method", new StringMatchSpec(StringMatchKind.Exact, "POST", false, null), false, false)]),
            Route("fallback", PathMatchSpec.CatchAll));
        var snapshot = Snapshot(new RouteTable("8080", [new VirtualHostRoutes("echo", ["echo:8080"], routes)]));
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        if (header.Length == 2) context.Request.Headers[header[0]] = header[1];

        var selection = OutboundRouter.Select(snapshot, context.Request, "echo:8080");

        Assert.Equal(expected, selection.Route?.Name);
    }

    [Fact]
    public void Select_AuthorityWithoutPort_FindsHostInAnyTable()
    {
        var snapshot = Snapshot(new RouteTable("8080", [Host("echo", "echo")]));

        Assert.Equal("echo", OutboundRouter.Select(snapshot, new DefaultHttpContext().Request, "echo").VirtualHost?.Name);
    }

    private static ProxySnapshot Snapshot(RouteTable table) => ProxySnapshot.Empty with
    {
        Listeners = ImmutableDictionary<string, ListenerSnapshot>.Empty.Add("0.0.0.0_8080", new ListenerSnapshot("0.0.0.0_8080", "0.0.0.0", 8080, table.Name)),
        RouteTables = ImmutableDictionary<string, RouteTable>.Empty.Add(table.Name, table),
    };
}
