using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Xds;

/// <summary>Per-proxy-locality ClusterLoadAssignments served by a real silo over Delta ADS.</summary>
public sealed class LocalityEdsTests : IAsyncLifetime
{
    private const string Cluster = "outbound|9400||loc.mesh.local";
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-locality-").FullName;
        File.WriteAllText(Path.Combine(dir, "loc.yaml"), Config(extraEndpoint: false));
        _silo = await SiloFixture.StartAsync(dir);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private static string Config(bool extraEndpoint) => $$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: loc, namespace: default}
        spec:
          hosts: [loc.mesh.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 9400, name: http, protocol: HTTP}]
          endpoints:
          - {address: 10.0.0.1, locality: us-east/a}
          - {address: 10.0.0.2, locality: us-west/b}
          {{(extraEndpoint ? "- {address: 10.0.0.3, locality: us-east/a}" : "")}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: loc, namespace: default}
        spec:
          host: loc.mesh.local
          trafficPolicy:
            outlierDetection: {consecutive5xxErrors: 1}
        """;

    private static async Task<(DeltaStreamClient Client, DeltaDiscoveryResponse First)> SubscribeAsync(int port, string id, Locality? locality)
    {
        var client = new DeltaStreamClient(port);
        var node = new Node { Id = id };
        if (locality is not null) node.Locality = locality;
        await client.SendAsync(new DeltaDiscoveryRequest { Node = node, TypeUrl = ResourceTypes.ClusterLoadAssignment, ResourceNamesSubscribe = { Cluster } });
        var first = await client.NextAsync(r => r.Resources.Any(x => x.Name == Cluster), "the assignment");
        await client.SendAsync(new DeltaDiscoveryRequest { TypeUrl = ResourceTypes.ClusterLoadAssignment, ResponseNonce = first.Nonce });
        return (client, first);
    }

    /// <summary>"address=priority", in address order.</summary>
    private static string Priorities(DeltaDiscoveryResponse response)
    {
        var cla = response.Resources.Single(r => r.Name == Cluster).Resource_.Unpack<ClusterLoadAssignment>();
        return string.Join(' ', cla.Endpoints.SelectMany(g => g.LbEndpoints.Select(e => (e.Endpoint.Address.SocketAddress.Address, g.Priority)))
            .OrderBy(e => e.Address, StringComparer.Ordinal).Select(e => $"{e.Address}={e.Priority}"));
    }

    [Fact]
    public async Task DeltaEds_ProxyLocality_PrioritiesPerLocalityAndSharedWithoutOne()
    {
        var port = _silo.Options.XdsPort;
        var (east, eastFirst) = await SubscribeAsync(port, "east-1", new Locality { Region = "us-east", Zone = "a" });
        var (west, westFirst) = await SubscribeAsync(port, "west-1", new Locality { Region = "us-west", Zone = "b" });
        var (none, noneFirst) = await SubscribeAsync(port, "grpc-1", null);
        await using var _ = east;
        await using var __ = west;
        await using var ___ = none;

        Assert.Equal("10.0.0.1=0 10.0.0.2=1", Priorities(eastFirst));
        Assert.Equal("10.0.0.1=1 10.0.0.2=0", Priorities(westFirst));
        Assert.Equal("10.0.0.1=0 10.0.0.2=0", Priorities(noneFirst));

        // An endpoint-only change: each stream gets the one assignment again, for its own locality.
        _silo.WriteConfig("loc.yaml", Config(extraEndpoint: true));
        var eastNext = await east.NextAsync(r => r.Resources.Any(x => x.Name == Cluster), "the changed assignment (east)");
        var noneNext = await none.NextAsync(r => r.Resources.Any(x => x.Name == Cluster), "the changed assignment (no locality)");

        Assert.Equal([Cluster], eastNext.Resources.Select(r => r.Name));
        Assert.Equal("10.0.0.1=0 10.0.0.2=1 10.0.0.3=0", Priorities(eastNext));
        Assert.Equal("10.0.0.1=0 10.0.0.2=0 10.0.0.3=0", Priorities(noneNext));
        Assert.NotEqual(eastFirst.Resources[0].Version, eastNext.Resources[0].Version);
        Assert.NotEqual(eastNext.Resources[0].Version, noneNext.Resources[0].Version);
    }
}
