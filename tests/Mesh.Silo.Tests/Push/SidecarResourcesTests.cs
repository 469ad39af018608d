using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Api.Xds;
using Mesh.Grains.Services;
using Mesh.Silo.Push;

namespace Mesh.Silo.Tests.Push;

public sealed class SidecarResourcesTests
{
    private static ServiceFragments Host(string host, string endpoint, uint port = 8080)
    {
        var service = new MeshService(host, "default", [new ServicePort(port, "HTTP", "http", null)],
            new Dictionary<string, string>(), ServiceLocation.MeshInternal, ServiceResolution.Static, []);
        var endpoints = new[] { new MeshEndpoint(endpoint, new Dictionary<string, uint>(), new Dictionary<string, string>(), null, 1, EndpointHealth.Healthy, null, null) };
        return new ServiceFragments(host, "v", ServiceFragmentBuilder.Build(service, endpoints, null, []), false, DateTimeOffset.UnixEpoch);
    }

    private static XdsResource Routes(IEnumerable<XdsResource> composed) => composed.Single(r => r.TypeUrl == ResourceTypes.RouteConfiguration);

    [Fact]
    public void Compose_OnlyEndpointsChanged_ReusesTheComposedRouteTable()
    {
        var sidecar = new SidecarResources();
        var first = Routes(sidecar.Compose([Host("a.mesh.local", "10.0.0.1"), Host("b.mesh.local", "10.0.0.2")]).ToList());

        var second = Routes(sidecar.Compose([Host("a.mesh.local", "10.0.0.9"), Host("b.mesh.local", "10.0.0.2")]).ToList());

        Assert.Same(first, second);
    }

    [Fact]
    public void Compose_HostAdded_RecomposesWithTheNewVirtualHost()
    {
        var sidecar = new SidecarResources();
        var first = Routes(sidecar.Compose([Host("a.mesh.local", "10.0.0.1")]).ToList());

        var second = Routes(sidecar.Compose([Host("a.mesh.local", "10.0.0.1"), Host("b.mesh.local", "10.0.0.2")]).ToList());

        Assert.NotEqual(first.Version, second.Version);
        var table = Envoy.Config.Route.V3.RouteConfiguration.Parser.ParseFrom(second.Body);
        Assert.Equal(["a.mesh.local:8080", "b.mesh.local:8080"], table.VirtualHosts.Select(v => v.Name));
    }

    [Fact]
    public void Compose_SameInputWithAFreshInstance_GivesTheSameVersion()
    {
        var hosts = new[] { Host("a.mesh.local", "10.0.0.1") };

        Assert.Equal(Routes(new SidecarResources().Compose(hosts).ToList()).Version, Routes(new SidecarResources().Compose(hosts).ToList()).Version);
    }
}
