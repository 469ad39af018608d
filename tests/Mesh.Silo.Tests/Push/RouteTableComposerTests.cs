using Envoy.Config.Core.V3;
using Envoy.Config.Route.V3;
using RetryPolicy = Envoy.Config.Route.V3.RetryPolicy;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Grains.Generators;
using Mesh.Silo.Push;

namespace Mesh.Silo.Tests.Push;

/// <summary>The wire-level composition against the message-level one it replaces (RouteGenerator's).</summary>
public sealed class RouteTableComposerTests
{
    /// <summary>A virtual host with fields on both sides of its domains, a map and nested messages.</summary>
    private static VirtualHost Vhost(string name, params string[] domains) => new()
    {
        Name = name,
        Domains = { domains },
        Routes =
        {
            new Route
            {
                Match = new RouteMatch { Prefix = "/" },
                Route_ = new RouteAction { Cluster = $"outbound|80||{name}", Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(3)) },
                Decorator = new Decorator { Operation = name },
            },
        },
        RequestHeadersToAdd = { new HeaderValueOption { Header = new HeaderValue { Key = "x-from", Value = name } } },
        RetryPolicy = new RetryPolicy { RetryOn = "5xx", NumRetries = 2 },
        IncludeRequestAttemptCount = true,
        TypedPerFilterConfig = { ["envoy.filters.http.fault"] = Any.Pack(new StringValue { Value = name }) },
    };

    private static byte[] Expected(uint port, params VirtualHost[] vhosts) =>
        RouteGenerator.BuildSidecarRouteConfiguration(port, vhosts).ToByteArray();

    private static byte[] Composed(uint port, params VirtualHost[] vhosts) =>
        RouteTableComposer.Compose(port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            vhosts.OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => v.ToByteArray()));

    [Fact]
    public void Compose_DistinctDomains_SameBytesAsTheMessageComposition()
    {
        VirtualHost[] vhosts =
        [
            Vhost("a.example.com:80", "a.example.com", "a.example.com:80"),
            Vhost("b.example.com:80", "b.example.com", "b.example.com:80"),
            Vhost("reviews.default.svc.cluster.local:80", "reviews.default.svc.cluster.local", "reviews", "reviews:80", "reviews.default"),
        ];

        Assert.Equal(Expected(80, vhosts), Composed(80, vhosts));
    }

    [Fact]
    public void Compose_NoVirtualHosts_SameBytesAsAnEmptyTable()
    {
        Assert.Equal(Expected(9080), Composed(9080));
    }

    [Fact]
    public void Compose_SharedShortName_FirstInNameOrderKeepsItAsTheMessageComposition()
    {
        VirtualHost[] vhosts =
        [
            Vhost("reviews.b.svc.cluster.local:80", "reviews.b.svc.cluster.local", "reviews", "REVIEWS:80", "reviews.b"),
            Vhost("reviews.a.svc.cluster.local:80", "reviews.a.svc.cluster.local", "reviews", "reviews:80", "reviews.a"),
        ];

        var composed = Composed(80, vhosts);

        Assert.Equal(Expected(80, vhosts), composed);
        var table = RouteConfiguration.Parser.ParseFrom(composed);
        Assert.Equal(["reviews.b.svc.cluster.local", "reviews.b"], table.VirtualHosts[1].Domains);
        Assert.Equal(vhosts[0].Routes, table.VirtualHosts[1].Routes);
    }

    [Fact]
    public void Compose_AllDomainsTaken_VirtualHostLeftOutAsTheMessageComposition()
    {
        // A ServiceEntry for the short name, and the Kubernetes service whose alias it is (sorting first).
        VirtualHost[] vhosts =
        [
            Vhost("reviews:80", "reviews", "reviews:80"),
            Vhost("reviews.default.svc.cluster.local:80", "reviews.default.svc.cluster.local", "reviews", "reviews:80"),
            Vhost("z.example.com:80", "z.example.com"),
        ];

        var composed = Composed(80, vhosts);

        Assert.Equal(Expected(80, vhosts), composed);
        Assert.Equal(["reviews.default.svc.cluster.local:80", "z.example.com:80"], RouteConfiguration.Parser.ParseFrom(composed).VirtualHosts.Select(v => v.Name));
    }

    [Fact]
    public void Compose_DuplicateDomainWithinOneVirtualHost_KeptOnceAsTheMessageComposition()
    {
        var vhost = Vhost("a.example.com:80", "a.example.com", "A.example.com", "a.example.com:80");

        Assert.Equal(Expected(80, vhost), Composed(80, vhost));
    }

    [Fact]
    public void DomainsOf_SerializedVirtualHost_ItsDomainsInOrder()
    {
        var vhost = Vhost("a.example.com:80", "a.example.com", "a", "a:80");

        Assert.Equal(["a.example.com", "a", "a:80"], RouteTableComposer.DomainsOf(vhost.ToByteArray()));
    }
}
