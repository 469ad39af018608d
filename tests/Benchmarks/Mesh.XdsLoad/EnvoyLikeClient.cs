using System.Diagnostics;
using Envoy.Config.Cluster.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace Mesh.XdsLoad;

/// <summary>
/// One proxy as Envoy drives ADS (state of the world): CDS wildcard; EDS for every EDS cluster
/// CDS returned, re-requested whenever that set changes; every response ACKed with its version
/// and nonce. Responses are read on one loop, which is also the only writer of requests.
/// </summary>
public sealed class EnvoyLikeClient(int index, string nodeId, IReadOnlyList<Uri> silos, int first, ClientShared shared)
    : ProxyClient(index, nodeId, silos, first, shared)
{
    private readonly HashSet<string> _assigned = new(StringComparer.Ordinal);
    private List<string> _edsNames = [];
    private int _hostClusters;
    private string _edsVersion = "", _edsNonce = "";
    private bool _first = true;

    protected override async Task StreamAsync(CallInvoker invoker, CancellationToken cancel)
    {
        _assigned.Clear();
        _edsNames = [];
        _hostClusters = 0;
        (_edsVersion, _edsNonce) = ("", "");
        _first = true;
        using var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(invoker)
            .StreamAggregatedResources(cancellationToken: cancel);
        await call.RequestStream.WriteAsync(Request(ClusterType, "", "", []), cancel);
        while (await call.ResponseStream.MoveNext(cancel))
        {
            var at = Stopwatch.GetTimestamp();
            var response = call.ResponseStream.Current;
            Received(response);
            if (response.TypeUrl == ClusterType) await OnClustersAsync(call.RequestStream, response, cancel);
            else if (response.TypeUrl == EndpointType) await OnEndpointsAsync(call.RequestStream, response, cancel);
            Acked(at);
            CheckFull(() => _hostClusters == Shared.Hosts && _edsNames.All(_assigned.Contains), at);
        }
    }

    private async Task OnClustersAsync(IClientStreamWriter<DiscoveryRequest> requests, DiscoveryResponse response, CancellationToken cancel)
    {
        _hostClusters = 0;
        var eds = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var any in response.Resources)
        {
            var cluster = Cluster.Parser.ParseFrom(any.Value);
            if (ConfigFiles.HostOf(cluster.Name) >= 0) _hostClusters++;
            Holds(ChangeKind.Config, cluster.Name, StateCodes.SeqOf(cluster));
            if (cluster.Type == Cluster.Types.DiscoveryType.Eds)
                eds.Add(Shared.Name(string.IsNullOrEmpty(cluster.EdsClusterConfig?.ServiceName) ? cluster.Name : cluster.EdsClusterConfig.ServiceName));
        }
        // As Envoy: clusters (and their EDS watches) first, then the CDS ACK.
        if (!eds.SequenceEqual(_edsNames))
        {
            _edsNames = [.. eds];
            _assigned.IntersectWith(eds);
            await requests.WriteAsync(Request(EndpointType, _edsVersion, _edsNonce, _edsNames), cancel);
        }
        await requests.WriteAsync(Request(ClusterType, response.VersionInfo, response.Nonce, []), cancel);
    }

    private async Task OnEndpointsAsync(IClientStreamWriter<DiscoveryRequest> requests, DiscoveryResponse response, CancellationToken cancel)
    {
        foreach (var any in response.Resources)
        {
            var (name, seq) = ReadAssignment(any.Value);
            _assigned.Add(name);
            Holds(ChangeKind.Endpoint, name, seq);
        }
        (_edsVersion, _edsNonce) = (response.VersionInfo, response.Nonce);
        await requests.WriteAsync(Request(EndpointType, _edsVersion, _edsNonce, _edsNames), cancel);
    }

    private DiscoveryRequest Request(string typeUrl, string version, string nonce, IEnumerable<string> names)
    {
        // Envoy sends its Node on the first request of a stream only; the server must not need it later.
        var request = new DiscoveryRequest { TypeUrl = typeUrl, VersionInfo = version, ResponseNonce = nonce };
        if (_first) request.Node = Node;
        _first = false;
        request.ResourceNames.AddRange(names);
        return request;
    }
}
