using Envoy.Config.Route.V3;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Api.Xds;
using Mesh.Grains.Services;
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
            .Where(l => l.ApiListener is null)
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
}
