using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Proxy.Xds;
using static Mesh.Proxy.Tests.Xds.XdsResources;
using Mesh.Api.Xds;

namespace Mesh.Proxy.Tests.Xds;

public sealed class SotwProtocolTests
{
    private readonly XdsSession _session = new();
    private readonly SotwProtocol _protocol;

    public SotwProtocolTests() => _protocol = new SotwProtocol(_session, new Node { Id = "n" });

    private static DiscoveryResponse Response(string typeUrl, string version, params Google.Protobuf.IMessage[] resources)
    {
        var response = new DiscoveryResponse { TypeUrl = typeUrl, VersionInfo = version, Nonce = "nonce-" + version };
        response.Resources.AddRange(resources.Select(Any.Pack));
        return response;
    }

    [Fact]
    public void OnResponse_Clusters_AcksWithVersionAndNonceAndRequestsEndpointsByName()
    {
        _protocol.Start();

        var (requests, _) = _protocol.OnResponse(Response(ResourceTypes.Cluster, "1", EdsCluster(V1)));

        Assert.Equal(("1", "nonce-1"), (requests[0].VersionInfo, requests[0].ResponseNonce));
        Assert.Empty(requests[0].ResourceNames); // CDS stays wildcard
        Assert.Equal([V1], requests.Single(r => r.TypeUrl == ResourceTypes.ClusterLoadAssignment).ResourceNames);
    }

    [Fact]
    public void OnResponse_ClustersStateOfTheWorld_ReplacesWhatIsAbsent()
    {
        _protocol.Start();
        _protocol.OnResponse(Response(ResourceTypes.Cluster, "1", EdsCluster(V1), EdsCluster("other")));

        var (_, outcome) = _protocol.OnResponse(Response(ResourceTypes.Cluster, "2", EdsCluster(V1)));

        Assert.Equal([V1], outcome.Snapshot.Clusters.Keys);
    }

    [Fact]
    public void OnResponse_Rejected_NacksWithPreviousVersion()
    {
        _protocol.Start();
        _protocol.OnResponse(Response(ResourceTypes.Cluster, "1", EdsCluster(V1)));

        var bad = new Envoy.Config.Cluster.V3.Cluster { Name = "bad", Type = Envoy.Config.Cluster.V3.Cluster.Types.DiscoveryType.OriginalDst };
        var (requests, outcome) = _protocol.OnResponse(Response(ResourceTypes.Cluster, "2", bad));

        Assert.False(outcome.Accepted);
        Assert.Equal(("1", "nonce-2"), (requests[0].VersionInfo, requests[0].ResponseNonce));
        Assert.StartsWith("Cluster \"bad\": type OriginalDst", requests[0].ErrorDetail.Message);
        Assert.Equal([V1], _session.Current.Clusters.Keys);
    }
}
