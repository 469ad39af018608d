using Envoy.Config.Core.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Http.Fault.V3;
using Envoy.Type.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Proxy.Configuration;
using EnvoyFaultDelay = Envoy.Extensions.Filters.Common.Fault.V3.FaultDelay;
using HashPolicy = Envoy.Config.Route.V3.RouteAction.Types.HashPolicy;
using MirrorPolicy = Envoy.Config.Route.V3.RouteAction.Types.RequestMirrorPolicy;
using Route = Envoy.Config.Route.V3.Route;

namespace Mesh.Proxy.Tests.Configuration;

public sealed class RoutePolicyTranslatorTests
{
    private static FractionalPercent Percent(uint numerator, FractionalPercent.Types.DenominatorType denominator = FractionalPercent.Types.DenominatorType.Hundred) =>
        new() { Numerator = numerator, Denominator = denominator };

    private static RouteEntry Translate(Route route)
    {
        route.Match ??= new RouteMatch { Prefix = "/" };
        route.Route_ ??= new RouteAction { Cluster = "c" };
        var config = new RouteConfiguration { Name = "8080", VirtualHosts = { new VirtualHost { Name = "h", Domains = { "*" }, Routes = { route } } } };
        return RouteTranslator.Translate(config).VirtualHosts[0].Routes[0];
    }

    private static Route WithFault(HTTPFault fault) => new() { TypedPerFilterConfig = { [RoutePolicyTranslator.FaultFilter] = Any.Pack(fault) } };

    public static TheoryData<string, FractionalPercent?, uint> Percents => new()
    {
        { "absent is 0%", null, 0 },
        { "50 of 100", Percent(50), 500_000 },
        { "100 of 100", Percent(100), 1_000_000 },
        { "over 100% is 100%", Percent(250), 1_000_000 },
        { "1 of 10,000", Percent(1, FractionalPercent.Types.DenominatorType.TenThousand), 100 },
        { "Istio's 0.1% as millionths", Percent(1000, FractionalPercent.Types.DenominatorType.Million), 1000 },
    };

    [Theory]
    [MemberData(nameof(Percents))]
    public void PerMillion_FractionalPercent_Normalized(string _, FractionalPercent? percent, uint expected) =>
        Assert.Equal(expected, RoutePolicyTranslator.PerMillion(percent));

    public static TheoryData<string, HTTPFault, FaultSpec?> Faults => new()
    {
        {
            "delay", new HTTPFault { Delay = new EnvoyFaultDelay { FixedDelay = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(300)), Percentage = Percent(100) } },
            new FaultSpec(new FaultDelaySpec(TimeSpan.FromMilliseconds(300), 1_000_000), null)
        },
        {
            "http abort", new HTTPFault { Abort = new FaultAbort { HttpStatus = 503, Percentage = Percent(50) } },
            new FaultSpec(null, new FaultAbortSpec(503, null, 500_000))
        },
        {
            "grpc abort", new HTTPFault { Abort = new FaultAbort { GrpcStatus = 14, Percentage = Percent(100) } },
            new FaultSpec(null, new FaultAbortSpec(null, 14, 1_000_000))
        },
        {
            "both", new HTTPFault
            {
                Delay = new EnvoyFaultDelay { FixedDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)), Percentage = Percent(10) },
                Abort = new FaultAbort { HttpStatus = 500, Percentage = Percent(20) },
            },
            new FaultSpec(new FaultDelaySpec(TimeSpan.FromSeconds(1), 100_000), new FaultAbortSpec(500, null, 200_000))
        },
        // Istio sends 0% for a delay without a percentage: configured but idle, so nothing to apply.
        { "idle delay", new HTTPFault { Delay = new EnvoyFaultDelay { FixedDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)), Percentage = Percent(0) } }, null },
        { "abort without percentage", new HTTPFault { Abort = new FaultAbort { HttpStatus = 503 } }, null },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void Translate_FaultFilterConfig_ToFaultSpec(string _, HTTPFault fault, FaultSpec? expected) =>
        Assert.Equal(expected, Translate(WithFault(fault)).Fault);

    [Fact]
    public void Translate_FaultWrappedInFilterConfig_Unwrapped()
    {
        var fault = new HTTPFault { Abort = new FaultAbort { HttpStatus = 418, Percentage = Percent(100) } };
        var route = new Route { TypedPerFilterConfig = { [RoutePolicyTranslator.FaultFilter] = Any.Pack(new FilterConfig { Config = Any.Pack(fault) }) } };

        Assert.Equal(418, Translate(route).Fault?.Abort?.HttpStatus);
    }

    public static TheoryData<string, Any, string> BadFaults => new()
    {
        { "wrong type", Any.Pack(new Duration()), "expected envoy.extensions.filters.http.fault.v3.HTTPFault" },
        { "header abort", Any.Pack(new HTTPFault { Abort = new FaultAbort { HeaderAbort = new(), Percentage = Percent(1) } }), "header_abort is not supported" },
        { "http status out of range", Any.Pack(new HTTPFault { Abort = new FaultAbort { HttpStatus = 99, Percentage = Percent(1) } }), "abort.http_status: 99" },
        { "upstream_cluster", Any.Pack(new HTTPFault { UpstreamCluster = "x" }), "upstream_cluster" },
    };

    [Theory]
    [MemberData(nameof(BadFaults))]
    public void Translate_UnsupportedFault_NackNamesField(string _, Any config, string expected)
    {
        var route = new Route { Name = "r1", TypedPerFilterConfig = { [RoutePolicyTranslator.FaultFilter] = config } };

        var error = Assert.Throws<TranslationException>(() => Translate(route));

        Assert.Contains("routes[0] (r1).typed_per_filter_config[\"envoy.filters.http.fault\"]", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Translate_OtherFilterConfig_Ignored() =>
        Assert.Null(Translate(new Route { TypedPerFilterConfig = { ["envoy.filters.http.cors"] = Any.Pack(new Duration()) } }).Fault);

    public static TheoryData<string, MirrorPolicy, MirrorSpec?> Mirrors => new()
    {
        { "no fraction: every request", new MirrorPolicy { Cluster = "m" }, new MirrorSpec("m", 1_000_000, true) },
        { "fraction", new MirrorPolicy { Cluster = "m", RuntimeFraction = new RuntimeFractionalPercent { DefaultValue = Percent(25) } }, new MirrorSpec("m", 250_000, true) },
        { "0%: dropped", new MirrorPolicy { Cluster = "m", RuntimeFraction = new RuntimeFractionalPercent { DefaultValue = Percent(0) } }, null },
        { "suffix disabled", new MirrorPolicy { Cluster = "m", DisableShadowHostSuffixAppend = true }, new MirrorSpec("m", 1_000_000, false) },
    };

    [Theory]
    [MemberData(nameof(Mirrors))]
    public void Translate_RequestMirrorPolicy_ToMirrorSpec(string _, MirrorPolicy policy, MirrorSpec? expected)
    {
        var action = (ForwardAction)Translate(new Route { Route_ = new RouteAction { Cluster = "c", RequestMirrorPolicies = { policy } } }).Action;

        Assert.Equal(expected, action.Mirrors.SingleOrDefault());
    }

    [Fact]
    public void Translate_MirrorByClusterHeader_Nack()
    {
        var route = new Route { Route_ = new RouteAction { Cluster = "c", RequestMirrorPolicies = { new MirrorPolicy { ClusterHeader = "x-mirror" } } } };

        Assert.Contains("request_mirror_policies[0].cluster", Assert.Throws<TranslationException>(() => Translate(route)).Message);
    }

    public static TheoryData<string, HashPolicy, HashPolicySpec> Hashes => new()
    {
        { "header", new HashPolicy { Header = new HashPolicy.Types.Header { HeaderName = "x-user" } }, new HashPolicySpec(HashSource.Header, "x-user", false) },
        { "cookie", new HashPolicy { Cookie = new HashPolicy.Types.Cookie { Name = "session" }, Terminal = true }, new HashPolicySpec(HashSource.Cookie, "session", true) },
        { "source ip", new HashPolicy { ConnectionProperties = new HashPolicy.Types.ConnectionProperties { SourceIp = true } }, new HashPolicySpec(HashSource.SourceIp, "", false) },
        { "query parameter", new HashPolicy { QueryParameter = new HashPolicy.Types.QueryParameter { Name = "u" } }, new HashPolicySpec(HashSource.QueryParameter, "u", false) },
    };

    [Theory]
    [MemberData(nameof(Hashes))]
    public void Translate_HashPolicy_ToHashPolicySpec(string _, HashPolicy policy, HashPolicySpec expected)
    {
        var action = (ForwardAction)Translate(new Route { Route_ = new RouteAction { Cluster = "c", HashPolicy = { policy } } }).Action;

        Assert.Equal(expected, Assert.Single(action.HashPolicies));
    }

    [Theory]
    [InlineData("filter_state")]
    [InlineData("header without name")]
    public void Translate_UnsupportedHashPolicy_Nack(string kind)
    {
        var policy = kind == "filter_state"
            ? new HashPolicy { FilterState = new HashPolicy.Types.FilterState { Key = "k" } }
            : new HashPolicy { Header = new HashPolicy.Types.Header() };
        var route = new Route { Route_ = new RouteAction { Cluster = "c", HashPolicy = { policy } } };

        Assert.Contains("hash_policy[0]", Assert.Throws<TranslationException>(() => Translate(route)).Message);
    }
}
