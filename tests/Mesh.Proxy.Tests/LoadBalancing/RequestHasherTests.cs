using System.Collections.Immutable;
using System.Net;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.LoadBalancing;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.LoadBalancing;

public sealed class RequestHasherTests
{
    private static DefaultHttpContext Request(string? header = null, string? cookie = null, string? query = null, string ip = "10.1.2.3")
    {
        var context = new DefaultHttpContext();
        if (header is not null) context.Request.Headers["x-user"] = header;
        if (cookie is not null) context.Request.Headers.Cookie = $"session={cookie}; other=1";
        if (query is not null) context.Request.QueryString = new QueryString($"?u={query}&u=second");
        context.Connection.RemoteIpAddress = IPAddress.Parse(ip);
        return context;
    }

    private static ImmutableArray<HashPolicySpec> P(HashSource source, string name = "", bool terminal = false) => [new(source, name, terminal)];

    public static TheoryData<string, ImmutableArray<HashPolicySpec>, DefaultHttpContext, string?> Keys => new()
    {
        { "header", P(HashSource.Header, "x-user"), Request(header: "alice"), "alice" },
        { "header absent", P(HashSource.Header, "x-user"), Request(), null },
        { "cookie", P(HashSource.Cookie, "session"), Request(cookie: "abc"), "abc" },
        { "cookie absent", P(HashSource.Cookie, "session"), Request(), null },
        { "source ip", P(HashSource.SourceIp), Request(ip: "10.9.9.9"), "10.9.9.9" },
        { "query parameter: first value", P(HashSource.QueryParameter, "u"), Request(query: "bob"), "bob" },
        { "query parameter absent", P(HashSource.QueryParameter, "u"), Request(), null },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void Hash_Policy_HashesItsValue(string _, ImmutableArray<HashPolicySpec> policies, DefaultHttpContext context, string? expectedKey) =>
        Assert.Equal(expectedKey is null ? null : KeyHash.Of(expectedKey), RequestHasher.Hash(policies, context));

    [Fact]
    public void Hash_TwoPoliciesBothPresent_CombinedAsEnvoy()
    {
        ImmutableArray<HashPolicySpec> policies = [new(HashSource.Header, "x-user", false), new(HashSource.SourceIp, "", false)];

        Assert.Equal(KeyHash.Combine(KeyHash.Of("alice"), KeyHash.Of("10.1.2.3")), RequestHasher.Hash(policies, Request(header: "alice")));
    }

    [Fact]
    public void Hash_TerminalPolicyProduced_LaterPoliciesIgnored()
    {
        ImmutableArray<HashPolicySpec> policies = [new(HashSource.Header, "x-user", true), new(HashSource.SourceIp, "", false)];

        Assert.Equal(KeyHash.Of("alice"), RequestHasher.Hash(policies, Request(header: "alice")));
    }

    [Fact]
    public void Hash_TerminalPolicyWithoutValue_FallsThrough()
    {
        ImmutableArray<HashPolicySpec> policies = [new(HashSource.Header, "x-user", true), new(HashSource.SourceIp, "", false)];

        Assert.Equal(KeyHash.Of("10.1.2.3"), RequestHasher.Hash(policies, Request()));
    }

    private static ImmutableArray<HashPolicySpec> Cookie(TimeSpan? ttl, string path = "/") =>
        [new(HashSource.Cookie, "session", false) { CookieTtl = ttl, CookiePath = path }];

    private static DefaultHttpContext Connection(int remotePort)
    {
        var context = Request(ip: "10.1.2.3");
        context.Connection.RemotePort = remotePort;
        context.Connection.LocalIpAddress = IPAddress.Loopback;
        context.Connection.LocalPort = 15001;
        return context;
    }

    [Fact]
    public void Hash_CookieWithTtlAbsent_GeneratesSetCookieAndHashesItsValue()
    {
        var setCookies = new List<string>();

        var hash = RequestHasher.Hash(Cookie(TimeSpan.FromHours(1)), Connection(40000), setCookies);

        var value = RequestHasher.GeneratedValue(Connection(40000).Connection);
        Assert.Equal(16, value.Length);
        Assert.Equal([$"session=\"{value}\"; Max-Age=3600; Path=/; HttpOnly"], setCookies);
        Assert.Equal(KeyHash.Of(value), hash);
    }

    [Fact]
    public void Hash_GeneratedCookieSentBack_SameKeyAsTheRequestThatGotIt()
    {
        var setCookies = new List<string>();
        var first = RequestHasher.Hash(Cookie(TimeSpan.FromHours(1)), Connection(40000), setCookies);
        var value = setCookies[0][(setCookies[0].IndexOf('=') + 1)..setCookies[0].IndexOf(';')];
        var next = Connection(40001);
        next.Request.Headers.Cookie = $"session={value}";

        var again = new List<string>();
        Assert.Equal(first, RequestHasher.Hash(Cookie(TimeSpan.FromHours(1)), next, again));
        Assert.Empty(again);
    }

    [Fact]
    public void Hash_CookieWithTtlAbsent_ValueDiffersPerConnection() =>
        Assert.NotEqual(RequestHasher.GeneratedValue(Connection(40000).Connection), RequestHasher.GeneratedValue(Connection(40001).Connection));

    [Fact]
    public void Hash_CookieWithoutTtlAbsent_NoHashNoCookie()
    {
        var setCookies = new List<string>();

        Assert.Null(RequestHasher.Hash(Cookie(ttl: null), Connection(40000), setCookies));
        Assert.Empty(setCookies);
    }

    [Theory]
    [InlineData(0, "", "session=\"v\"; HttpOnly")]
    [InlineData(60, "", "session=\"v\"; Max-Age=60; HttpOnly")]
    [InlineData(0, "/cart", "session=\"v\"; Path=/cart; HttpOnly")]
    public void SetCookie_TtlAndPath_EnvoyFormat(int seconds, string path, string expected) =>
        Assert.Equal(expected, RequestHasher.SetCookie("session", "v", path, TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("user-1", "user-1", true)]
    [InlineData("user-1", "user-2", false)]
    [InlineData("", "", true)]
    public void KeyHash_Of_DeterministicAndDiscriminating(string a, string b, bool equal) =>
        Assert.Equal(equal, KeyHash.Of(a) == KeyHash.Of(b));
}
