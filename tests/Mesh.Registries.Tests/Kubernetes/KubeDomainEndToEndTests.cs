using Envoy.Config.Cluster.V3;
using Envoy.Config.Route.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Testing;
using Mesh.Testing.Kubernetes;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>
/// A silo run with a cluster domain other than cluster.local (--kube-domain): the Kubernetes
/// service is named in that domain, and a VirtualService written with short names (as Istio users
/// write them) attaches to it and routes to it. The real KubernetesClient against the fake API
/// server, the YAML directory, a real silo and a real ADS client.
/// </summary>
public sealed class KubeDomainEndToEndTests : IAsyncLifetime
{
    private const string Domain = "example.org";
    private const string Host = "web.demo.svc." + Domain;
    private const string Cluster = "outbound|80||" + Host;
    private FakeApiServer _server = null!;
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _server.Apply(KubeObjects.Namespace("demo"));
        _server.Apply(KubeObjects.Service("demo", "web", "10.96.0.10", KubeObjects.Port("http", 80, 8080)));
        _server.Apply(KubeObjects.Slice("demo", "web", "web-abc12", [KubeObjects.SlicePort("http", 8080)], [KubeObjects.Endpoint("10.1.0.1")]));
        var dir = Directory.CreateTempSubdirectory("mesh-kube-domain-").FullName;
        System.IO.File.WriteAllText(Path.Combine(dir, "web-vs.yaml"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: web
              namespace: demo
            spec:
              hosts: [web]
              http:
              - timeout: 3s
                route:
                - destination:
                    host: web
            """);
        _silo = await SiloFixture.StartAsync(dir, kubernetes: _server.RegistryOptions() with { Domain = Domain });
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task ShortNamesInVirtualService_KubeDomain_RouteToTheServiceInThatDomain()
    {
        await using var ads = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.99~client.demo~demo.svc." + Domain);
        await ads.SendAsync(ResourceTypes.Cluster, []);
        var clusters = await ads.NextMatchingAsync(ResourceTypes.Cluster,
            r => r.Resources.Any(a => a.Unpack<Cluster>().Name == Cluster), Cluster);
        await ads.AckAsync(clusters, []);

        await ads.SendAsync(ResourceTypes.RouteConfiguration, ["80"]);
        var routes = await ads.NextMatchingAsync(ResourceTypes.RouteConfiguration,
            r => VirtualHostOf(r) is { } vh && vh.Routes.Any(route => route.Route_?.Timeout is not null), "the VirtualService's route on web's virtual host");

        var host = VirtualHostOf(routes)!;
        // Kubernetes' short forms of the name, in the silo's domain.
        Assert.Contains("web", host.Domains);
        Assert.Contains("web.demo", host.Domains);
        Assert.Contains("web.demo.svc", host.Domains);
        Assert.DoesNotContain(host.Domains, d => d.Contains("cluster.local", StringComparison.Ordinal));
        var route = Assert.Single(host.Routes).Route_;
        Assert.Equal(Cluster, route.Cluster);
        Assert.Equal(3, route.Timeout.Seconds);
    }

    private static VirtualHost? VirtualHostOf(DiscoveryResponse response) =>
        response.Resources.Select(r => r.Unpack<RouteConfiguration>()).SelectMany(c => c.VirtualHosts)
            .FirstOrDefault(v => v.Domains.Contains(Host));
}
