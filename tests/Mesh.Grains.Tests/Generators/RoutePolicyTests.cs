using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Http.Fault.V3;
using Envoy.Type.V3;
using Mesh.Api.Model;
using Mesh.Grains.Generators;
using static Mesh.Grains.Tests.Generators.Fixtures;
using Duration = Google.Protobuf.WellKnownTypes.Duration;
using EnvoyFaultAbort = Envoy.Extensions.Filters.Http.Fault.V3.FaultAbort;
using EnvoyFaultDelay = Envoy.Extensions.Filters.Common.Fault.V3.FaultDelay;
using FaultAbort = Mesh.Api.Model.FaultAbort;
using FaultDelay = Mesh.Api.Model.FaultDelay;
using HashPolicy = Envoy.Config.Route.V3.RouteAction.Types.HashPolicy;
using Percent = Mesh.Api.Model.Percent;

namespace Mesh.Grains.Tests.Generators;

public class RoutePolicyTests
{
    private static FractionalPercent PerMillion(uint numerator) =>
        new() { Numerator = numerator, Denominator = FractionalPercent.Types.DenominatorType.Million };

    public static TheoryData<string, HttpFaultInjection, HTTPFault> Faults => new()
    {
        {
            "fixed delay with fractional percentage",
            new HttpFaultInjection(new FaultDelay(TimeSpan.FromSeconds(5), new Percent(0.1)), null),
            new HTTPFault { Delay = new EnvoyFaultDelay { FixedDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)), Percentage = PerMillion(1_000) } }
        },
        {
            "delay without percentage is idle, like Istio",
            new HttpFaultInjection(new FaultDelay(TimeSpan.FromMilliseconds(100), null), null),
            new HTTPFault { Delay = new EnvoyFaultDelay { FixedDelay = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100)), Percentage = new FractionalPercent() } }
        },
        {
            "http abort",
            new HttpFaultInjection(null, new FaultAbort(503, null, new Percent(50))),
            new HTTPFault { Abort = new EnvoyFaultAbort { HttpStatus = 503, Percentage = PerMillion(500_000) } }
        },
        {
            "grpc abort by name",
            new HttpFaultInjection(null, new FaultAbort(null, "UNAVAILABLE", new Percent(100))),
            new HTTPFault { Abort = new EnvoyFaultAbort { GrpcStatus = 14, Percentage = PerMillion(1_000_000) } }
        },
        {
            "grpc abort by number, delay too",
            new HttpFaultInjection(new FaultDelay(TimeSpan.FromSeconds(1), new Percent(10)), new FaultAbort(null, "4", null)),
            new HTTPFault
            {
                Delay = new EnvoyFaultDelay { FixedDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)), Percentage = PerMillion(100_000) },
                Abort = new EnvoyFaultAbort { GrpcStatus = 4 },
            }
        },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void BuildVirtualHost_Fault_PerRouteFaultConfig(string scenario, HttpFaultInjection fault, HTTPFault expected)
    {
        var route = RouteFor(Route() with { Fault = fault });

        var actual = route.TypedPerFilterConfig["envoy.filters.http.fault"].Unpack<HTTPFault>();
        Assert.True(expected.Equals(actual), $"{scenario}: {actual}");
    }

    [Fact]
    public void BuildVirtualHost_UnknownGrpcStatusOnly_NoFaultConfig()
    {
        var route = RouteFor(Route() with { Fault = new HttpFaultInjection(null, new FaultAbort(null, "NOPE", null)) });

        Assert.Empty(route.TypedPerFilterConfig);
    }

    public static TheoryData<string, LoadBalancerSettings, HashPolicy> Hashes => new()
    {
        { "header", Hash(header: "x-user"), new HashPolicy { Header = new HashPolicy.Types.Header { HeaderName = "x-user" } } },
        {
            "cookie with path and ttl", Hash(cookie: new HttpCookie("session", "/", TimeSpan.FromMinutes(1))),
            new HashPolicy { Cookie = new HashPolicy.Types.Cookie { Name = "session", Path = "/", Ttl = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)) } }
        },
        {
            "source ip", Hash(sourceIp: true),
            new HashPolicy { ConnectionProperties = new HashPolicy.Types.ConnectionProperties { SourceIp = true } }
        },
        { "query parameter", Hash(query: "user"), new HashPolicy { QueryParameter = new HashPolicy.Types.QueryParameter { Name = "user" } } },
    };

    [Theory]
    [MemberData(nameof(Hashes))]
    public void BuildVirtualHost_ConsistentHash_RouteHashPolicy(string scenario, LoadBalancerSettings lb, HashPolicy expected)
    {
        var rule = Rule(Policy(lb));
        var withVs = View(rule: rule, virtualServices: Vs(Route()));
        var withoutVs = View(rule: rule);

        var vsRoute = Assert.Single(RouteGenerator.BuildVirtualHost(withVs, HttpPort).Routes);
        var defaultRoute = Assert.Single(RouteGenerator.BuildVirtualHost(withoutVs, HttpPort).Routes);

        Assert.True(expected.Equals(Assert.Single(vsRoute.Route_.HashPolicy)), scenario);
        Assert.True(expected.Equals(Assert.Single(defaultRoute.Route_.HashPolicy)), scenario);
    }

    [Fact]
    public void BuildVirtualHost_SubsetHashOverride_UsesSubsetKey()
    {
        var rule = Rule(Policy(Hash(header: "x-top")), Subset("v1", "version=v1", Policy(Hash(query: "q"))));
        var view = View(rule: rule, virtualServices: Vs(Route() with { Route = [Dest(subset: "v1")] }));

        var route = Assert.Single(RouteGenerator.BuildVirtualHost(view, HttpPort).Routes);

        Assert.Equal("q", Assert.Single(route.Route_.HashPolicy).QueryParameter.Name);
    }

    [Fact]
    public void BuildVirtualHost_NoConsistentHash_NoHashPolicy()
    {
        var view = View(rule: Rule(Policy(Simple(SimpleLoadBalancer.LeastRequest))), virtualServices: Vs(Route()));

        Assert.Empty(Assert.Single(RouteGenerator.BuildVirtualHost(view, HttpPort).Routes).Route_.HashPolicy);
    }
}
