using Envoy.Config.Core.V3;
using Mesh.Proxy.Xds;
using static Mesh.Proxy.Tests.Xds.XdsResources;
using Mesh.Api.Xds;

namespace Mesh.Proxy.Tests.Xds;

public sealed class DeltaProtocolTests
{
    private readonly XdsSession _session = new();
    private readonly DeltaProtocol _protocol;

    public DeltaProtocolTests() => _protocol = new DeltaProtocol(_session, new Node { Id = "sidecar~127.0.0.1~a.default~default.svc.cluster.local" });

    [Fact]
    public void Start_FreshSession_SubscribesClustersByWildcardWithNode()
    {
        var request = Assert.Single(_protocol.Start());

        Assert.Equal(ResourceTypes.Cluster, request.TypeUrl);
        Assert.Equal(["*"], request.ResourceNamesSubscribe);
        Assert.Equal("sidecar~127.0.0.1~a.default~default.svc.cluster.local", request.Node.Id);
    }

    [Fact]
    public void OnResponse_Clusters_AcksThenSubscribesTheirEndpointsThenListeners()
    {
        _protocol.Start();

        var (requests, outcome) = _protocol.OnResponse(Delta(ResourceTypes.Cluster, "n1", (V1, EdsCluster(V1))));

        Assert.True(outcome.Accepted);
        Assert.Equal([ResourceTypes.Cluster, ResourceTypes.ClusterLoadAssignment, ResourceTypes.Listener], requests.Select(r => r.TypeUrl));
        Assert.Equal("n1", requests[0].ResponseNonce);
        Assert.Null(requests[0].ErrorDetail);
        Assert.Equal([V1], requests[1].ResourceNamesSubscribe);
        Assert.Equal(["*"], requests[2].ResourceNamesSubscribe);
        Assert.Null(requests[1].Node); // the node goes on the stream's first request only
    }

    [Fact]
    public void OnResponse_Listeners_SubscribesTheRouteTablesTheyReference()
    {
        _protocol.Start();
        _protocol.OnResponse(Delta(ResourceTypes.Cluster, "n1", (V1, EdsCluster(V1))));

        var (requests, _) = _protocol.OnResponse(Delta(ResourceTypes.Listener, "n2", ("0.0.0.0_8080", SidecarListener(8080))));

        Assert.Equal([ResourceTypes.Listener, ResourceTypes.RouteConfiguration], requests.Select(r => r.TypeUrl));
        Assert.Equal(["8080"], requests[1].ResourceNamesSubscribe);
    }

    [Fact]
    public void OnResponse_RemovedCluster_UnsubscribesItsEndpointsAndDropsThem()
    {
        _protocol.Start();
        _protocol.OnResponse(Delta(ResourceTypes.Cluster, "n1", (V1, EdsCluster(V1))));
        _protocol.OnResponse(Delta(ResourceTypes.ClusterLoadAssignment, "n2", (V1, Assignment(V1, 9001))));
        var removal = Delta(ResourceTypes.Cluster, "n3");
        removal.RemovedResources.Add(V1);

        var (requests, outcome) = _protocol.OnResponse(removal);

        Assert.Empty(outcome.Snapshot.Clusters);
        Assert.Empty(outcome.Snapshot.Endpoints);
        Assert.Equal([V1], requests.Single(r => r.TypeUrl == ResourceTypes.ClusterLoadAssignment).ResourceNamesUnsubscribe);
    }

    [Fact]
    public void OnResponse_UntranslatableRoute_NacksWithResourceAndFieldAndKeepsPreviousConfig()
    {
        _protocol.Start();
        _protocol.OnResponse(Delta(ResourceTypes.Cluster, "n1", (V1, EdsCluster(V1))));
        _protocol.OnResponse(Delta(ResourceTypes.Listener, "n2", ("0.0.0.0_8080", SidecarListener(8080))));
        var (_, good) = _protocol.OnResponse(Delta(ResourceTypes.RouteConfiguration, "n3", ("8080", Routes("8080", "/v1/.*"))));

        var (requests, bad) = _protocol.OnResponse(Delta(ResourceTypes.RouteConfiguration, "n4", ("8080", Routes("8080", "/v1/(a)\\1"))));

        Assert.False(bad.Accepted);
        var nack = Assert.Single(requests);
        Assert.Equal("n4", nack.ResponseNonce);
        Assert.StartsWith("RouteConfiguration \"8080\": virtual_hosts[0] (echo.mesh.local:8080).routes[0].match.safe_regex: invalid regex \"/v1/(a)\\1\"", nack.ErrorDetail.Message);
        Assert.Same(good.Snapshot, _session.Current);
        Assert.Equal("/v1/.*", _session.Current.RouteTables["8080"].VirtualHosts[0].Routes[0].Match.Path.Value);
        Assert.Equal("8080@n3", _session.Versions(ResourceTypes.RouteConfiguration)["8080"]);
    }

    [Fact]
    public void Start_AfterReconnect_ResubscribesEverythingWithInitialVersions()
    {
        _protocol.Start();
        _protocol.OnResponse(Delta(ResourceTypes.Cluster, "n1", (V1, EdsCluster(V1))));
        _protocol.OnResponse(Delta(ResourceTypes.Listener, "n2", ("0.0.0.0_8080", SidecarListener(8080))));

        var requests = new DeltaProtocol(_session, new Node { Id = "x" }).Start();

        Assert.Equal([ResourceTypes.Cluster, ResourceTypes.ClusterLoadAssignment, ResourceTypes.Listener, ResourceTypes.RouteConfiguration], requests.Select(r => r.TypeUrl));
        Assert.Equal($"{V1}@n1", requests[0].InitialResourceVersions[V1]);
        Assert.Equal("0.0.0.0_8080@n2", requests[2].InitialResourceVersions["0.0.0.0_8080"]);
        Assert.Equal("x", requests[0].Node.Id);
    }
}
