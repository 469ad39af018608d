using Envoy.Config.Core.V3;
using Envoy.Config.Route.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Mesh.Api.Xds;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Xds;

/// <summary>VirtualService matches with sourceLabels apply only to proxies whose labels they select.</summary>
public sealed class SourceLabelsTests : IAsyncLifetime
{
    private const string Host = "labels.mesh.local";
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-labels-").FullName;
        File.WriteAllText(Path.Combine(dir, "labels.yaml"),
            SampleConfig.ServiceEntry(Host, 9600, ("127.0.0.1", 9601, "v1"), ("127.0.0.2", 9601, "v2"))
            + "\n---\n" + SampleConfig.DestinationRule(Host, "v1", "v2") + "\n---\n" + $$$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: labels, namespace: default}
            spec:
              hosts: [{{{Host}}}]
              http:
              - match: [{sourceLabels: {app: canary-client}}]
                route: [{destination: {host: {{{Host}}}, subset: v2}}]
              - route: [{destination: {host: {{{Host}}}, subset: v1}}]
            """);
        _silo = await SiloFixture.StartAsync(dir);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private async Task<RouteConfiguration> RoutesFor(string nodeId, string? app)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_silo.Options.XdsPort}");
        using var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel).StreamAggregatedResources();
        var node = new Node { Id = nodeId, Metadata = new Struct() };
        if (app is not null)
            node.Metadata.Fields["LABELS"] = Value.ForStruct(new Struct { Fields = { ["app"] = Value.ForString(app) } });
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = node, TypeUrl = ResourceTypes.RouteConfiguration, ResourceNames = { $"{Host}:9600" } });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token), "expected an RDS response");
        await call.RequestStream.CompleteAsync();
        return call.ResponseStream.Current.Resources.Single().Unpack<RouteConfiguration>();
    }

    private static string[] Clusters(RouteConfiguration routes) =>
        [.. routes.VirtualHosts.Single().Routes.Select(r => r.Route_.Cluster)];

    [Fact]
    public async Task Rds_ProxySelectedBySourceLabels_GetsTheGatedRoute()
    {
        var routes = await RoutesFor("canary-caller", "canary-client");

        // For this proxy the match has no other condition: it catches everything, and what
        // follows a catch-all can never match, so (as in Istio) it is not sent.
        Assert.Equal([$"outbound|9600|v2|{Host}"], Clusters(routes));
    }

    [Fact]
    public async Task Rds_ProxyNotSelected_DoesNotGetTheGatedRoute()
    {
        var other = await RoutesFor("other-caller", "something-else");
        var unlabelled = await RoutesFor("plain-caller", null);

        Assert.Equal([$"outbound|9600|v1|{Host}"], Clusters(other));
        Assert.Equal([$"outbound|9600|v1|{Host}"], Clusters(unlabelled));
    }
}
