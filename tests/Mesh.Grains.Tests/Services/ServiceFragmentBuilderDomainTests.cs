using Envoy.Config.Route.V3;
using Mesh.Api.Xds;
using Mesh.Grains.Services;
using static Mesh.Grains.Tests.Generators.Fixtures;

namespace Mesh.Grains.Tests.Services;

/// <summary>The cluster domain ServiceGrain passes (the silo's --kube-domain) reaches the routes built for a host.</summary>
public sealed class ServiceFragmentBuilderDomainTests
{
    private const string Host = "reviews.default.svc.example.org";

    [Fact]
    public void BuildWithVariants_CustomDomainShortDestination_RouteTableNamesDomainClusterWithAliases()
    {
        var vs = Vs("reviews", ["reviews"], Route() with { Route = [Dest(host: "reviews")] });

        var output = ServiceFragmentBuilder.BuildWithVariants(Service(host: Host), [], null, [vs], "example.org");

        var table = RouteConfiguration.Parser.ParseFrom(output.Resources.Single(r => r.TypeUrl == ResourceTypes.RouteConfiguration).Body);
        var virtualHost = Assert.Single(table.VirtualHosts);
        Assert.Equal($"outbound|9080||{Host}", Assert.Single(virtualHost.Routes).Route_.Cluster);
        Assert.Contains("reviews.default.svc", virtualHost.Domains);
    }
}
