using Envoy.Config.Route.V3;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Api.Xds;
using Mesh.Grains.Generators;
using Mesh.Grains.Services;
using Google.Protobuf;
using static Mesh.Grains.Tests.Generators.Fixtures;

namespace Mesh.Grains.Tests.Services;

public sealed class ServiceFragmentBuilderTests
{
    private static HttpRoute FromClients(string labels, string subset) =>
        Route(Match() with { SourceLabels = Labels(labels) }) with { Route = [Dest(subset: subset)] };

    private static ServiceFragments Fragments(params VirtualService[] virtualServices)
    {
        var output = ServiceFragmentBuilder.BuildWithVariants(Service(), [Endpoint("10.0.0.1")], null, virtualServices);
        return new ServiceFragments(Host, "v", output.Resources, false, DateTimeOffset.UnixEpoch, "default", [], output.Selectors, output.Variants);
    }

    private static string FirstCluster(ServiceFragments fragments) =>
        RouteConfiguration.Parser.ParseFrom(fragments.Resources.Single(r => r.TypeUrl == ResourceTypes.RouteConfiguration).Body)
            .VirtualHosts.Single().Routes.First().Route_.Cluster;

    [Fact]
    public void BuildWithVariants_ConflictingSelectors_HasNoVariantForBoth()
    {
        var output = ServiceFragmentBuilder.BuildWithVariants(Service(), [], null,
            [Vs(FromClients("app=a", "a"), FromClients("app=b", "b"), Route())]);

        Assert.Equal(2, output.Selectors.Count);
        Assert.Equal([1, 2], output.Variants.Keys.Order());
    }

    [Fact]
    public void ForLabels_EachSelectedProxy_GetsItsOwnRoute()
    {
        var fragments = Fragments(Vs(FromClients("app=a", "a"), FromClients("app=b", "b"), Route()));

        Assert.Equal($"outbound|9080|a|{Host}", FirstCluster(fragments.ForLabels(Labels("app=a,team=x"))));
        Assert.Equal($"outbound|9080|b|{Host}", FirstCluster(fragments.ForLabels(Labels("app=b"))));
        Assert.Equal($"outbound|9080||{Host}", FirstCluster(fragments.ForLabels(Labels("app=c"))));
    }

    [Fact]
    public void ForLabels_NoSourceLabels_ReturnsTheSameFragments()
    {
        var fragments = Fragments(Vs(Route()));

        Assert.Same(fragments, fragments.ForLabels(Labels("app=a")));
    }

    [Fact]
    public void Build_TcpPort_OneTcpProxyListenerPerAddress()
    {
        var tcp = new ServicePort(5432, "TCP", "tcp", null);
        var service = Service(ports: [HttpPort, tcp]) with { Addresses = ["10.96.0.7", "10.100.0.0/16"] };

        var listeners = ServiceFragmentBuilder.Build(service, [Endpoint("10.0.0.1")], null, [])
            .Where(r => r.TypeUrl == ResourceTypes.Listener)
            .Select(r => Envoy.Config.Listener.V3.Listener.Parser.ParseFrom(r.Body))
            .Where(l => l.ApiListener is null && l.Name != $"0.0.0.0_{HttpPort.Number}")
            .ToList();

        Assert.Equal(["10.96.0.7_5432", "10.100.0.0_5432"], listeners.Select(l => l.Name));
        var proxy = listeners[0].FilterChains.Single().Filters.Single().TypedConfig.Unpack<Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxy>();
        Assert.Equal($"outbound|5432||{Host}", proxy.Cluster);
        Assert.Equal(16u, listeners[1].FilterChains.Single().FilterChainMatch.PrefixRanges.Single().PrefixLen);
    }

    [Fact]
    public void Build_TcpPortWithoutAddress_ListensOnAnyAddress()
    {
        var service = Service(ports: [new ServicePort(6379, "TCP", "redis", null)]);

        var names = ServiceFragmentBuilder.Build(service, [], null, []).Where(r => r.TypeUrl == ResourceTypes.Listener).Select(r => r.Name);

        Assert.Equal(["0.0.0.0_6379"], names);
    }

    [Fact]
    public void Build_HttpPort_SidecarOutboundListenerOnThePortsRouteTable()
    {
        var service = Service(ports: [HttpPort, new ServicePort(6379, "TCP", "redis", null)]);

        var listeners = ServiceFragmentBuilder.Build(service, [], null, [])
            .Where(r => r.TypeUrl == ResourceTypes.Listener && r.Name.StartsWith("0.0.0.0_", StringComparison.Ordinal)).ToList();

        Assert.Equal(["0.0.0.0_6379", $"0.0.0.0_{HttpPort.Number}"], listeners.Select(l => l.Name));
        Assert.Equal(ListenerGenerator.BuildSidecarOutboundListener(HttpPort.Number, $"{HttpPort.Number}").ToByteArray(), listeners[1].Body);
    }

    [Fact]
    public void BuildWithVariants_SourceLabels_OutboundListenerSharedNotVaried()
    {
        var output = ServiceFragmentBuilder.BuildWithVariants(Service(), [], null, [Vs(FromClients("app=a", "a"), Route())]);

        Assert.Single(output.Resources, r => r.Name == $"0.0.0.0_{HttpPort.Number}");
        Assert.DoesNotContain(output.Variants.Values.SelectMany(v => v), r => r.TypeUrl == ResourceTypes.Listener);
    }

    public static TheoryData<string> EndpointChanges => ["static", "subsets", "dns", "sourceLabels", "locality"];

    /// <summary>Rebuilding after an endpoint change gives exactly what a full build of the new endpoints gives.</summary>
    [Theory]
    [MemberData(nameof(EndpointChanges))]
    public void RebuildEndpoints_EndpointsChanged_SameAsAFullBuild(string scenario)
    {
        var (service, rule, virtualServices) = scenario switch
        {
            "subsets" => (Service(), Rule(null, Subset("v1", "version=v1"), Subset("v2", "version=v2")), (IReadOnlyList<VirtualService>)[]),
            "dns" => (Service(ServiceResolution.Dns), (DestinationRule?)null, (IReadOnlyList<VirtualService>)[]),
            "sourceLabels" => (Service(), Rule(null, Subset("a", "version=v1")), [Vs(FromClients("app=a", "a"), Route())]),
            "locality" => (Service(), Rule(Policy(outlier: new OutlierDetection(5, null, null, null, null, null))), (IReadOnlyList<VirtualService>)[]),
            _ => (Service(), (DestinationRule?)null, (IReadOnlyList<VirtualService>)[]),
        };
        IReadOnlyList<MeshEndpoint> before = [Endpoint("10.0.0.1", "version=v1", "us/a"), Endpoint("10.0.0.2", "version=v2", "us/b")];
        IReadOnlyList<MeshEndpoint> after = [Endpoint("10.0.0.1", "version=v1", "us/a"), Endpoint("10.0.0.3", "version=v2", "eu/c", weight: 3)];

        var previous = ServiceFragmentBuilder.BuildWithVariants(service, before, rule, virtualServices);
        var rebuilt = ServiceFragmentBuilder.RebuildEndpoints(previous, service, after, rule, virtualServices);
        var full = ServiceFragmentBuilder.BuildWithVariants(service, after, rule, virtualServices);

        Assert.Equal(Versions(full.All), Versions(rebuilt.All));
        Assert.NotEqual(Versions(previous.All), Versions(rebuilt.All));
    }

    private static List<string> Versions(IEnumerable<XdsResource> resources) =>
        [.. resources.Select(r => $"{r.TypeUrl}|{r.Name}|{r.Version}").Order(StringComparer.Ordinal)];
}
