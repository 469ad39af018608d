using System.Diagnostics;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace Mesh.XdsLoad;

/// <summary>
/// One proxy as Envoy drives ADS (state of the world): CDS wildcard; EDS for every EDS cluster
/// CDS returned, re-requested whenever that set changes; every response ACKed with its version
/// and nonce. It has its own channel (its own HTTP/2 connection), as separate proxies would.
/// Responses are read on one loop, which is also the only writer of requests.
/// </summary>
public sealed class EnvoyLikeClient : IAsyncDisposable
{
    public const string ClusterType = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public const string EndpointType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

    private readonly int _index;
    private readonly Node _node;
    private readonly IReadOnlyList<Uri> _silos;
    private readonly Dictionary<Uri, GrpcChannel> _channels = [];
    private int _silo;
    private readonly WatchBoard _board;
    private readonly IReadOnlySet<string> _expected;
    private readonly TaskCompletionSource<long> _fullConfig = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _clusters = new(StringComparer.Ordinal);
    private readonly HashSet<string> _assigned = new(StringComparer.Ordinal);
    private List<string> _edsNames = [];
    private string _edsVersion = "", _edsNonce = "";

    /// <param name="index">Slot in edit watches; -1 for a client that takes no part in the timings.</param>
    /// <param name="expected">Clusters that must be present before the client counts as fully configured.</param>
    public EnvoyLikeClient(int index, string nodeId, Uri xds, WatchBoard board, IReadOnlySet<string> expected)
        : this(index, nodeId, [xds], 0, board, expected)
    {
    }

    /// <param name="silos">Silos to connect to: the first at <paramref name="first"/>, the next after each lost stream.</param>
    public EnvoyLikeClient(int index, string nodeId, IReadOnlyList<Uri> silos, int first, WatchBoard board, IReadOnlySet<string> expected)
    {
        _silos = silos;
        _silo = first;
        _index = index;
        _board = board;
        _expected = expected;
        _node = new Node
        {
            Id = nodeId,
            Cluster = "xdsload",
            Metadata = new Struct { Fields = { ["NAMESPACE"] = Value.ForString("default") } },
        };
    }

    /// <summary>The silo this client is (or was last) connected to.</summary>
    public Uri Silo => _silos[_silo];

    /// <summary>Completes with the timestamp at which a stream that replaced a lost one held the full config again.</summary>
    public Task<long> FullAgain => _fullAgain.Task;

    private TaskCompletionSource<long> _fullAgain = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _lostOne;

    private GrpcChannel Channel(Uri silo)
    {
        // Large CDS/EDS responses for big --hosts values exceed gRPC's 4 MB default.
        if (!_channels.TryGetValue(silo, out var channel))
            _channels[silo] = channel = GrpcChannel.ForAddress(silo, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
        return channel;
    }

    public long StartedAt { get; private set; }

    /// <summary>Completes with the timestamp at which CDS held every expected cluster and EDS every EDS cluster.</summary>
    public Task<long> FullConfig => _fullConfig.Task;

    private int _responses;
    private bool _first = true;

    /// <summary>Responses received so far (read by the run from other threads).</summary>
    public int Responses => Volatile.Read(ref _responses);

    public async Task RunAsync(CancellationToken cancel)
    {
        StartedAt = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                await StreamAsync(cancel);
                Lost(new InvalidOperationException($"{_node.Id}: the server closed the stream"));
            }
            catch (Exception ex) when (ex is OperationCanceledException || (ex is RpcException rpc && rpc.StatusCode == StatusCode.Cancelled && cancel.IsCancellationRequested))
            {
                _fullConfig.TrySetCanceled(cancel);
                _fullAgain.TrySetCanceled(cancel);
                return;
            }
            catch (Exception ex)
            {
                Lost(ex);
            }
            // As a proxy with several control plane addresses: the next one, after a short back-off.
            if (_silos.Count == 1 && !_fullConfig.Task.IsCompleted) return;
            try { await Task.Delay(100, cancel); }
            catch (OperationCanceledException) { return; }
        }
    }

    private void Lost(Exception ex)
    {
        if (!_fullConfig.Task.IsCompleted) _fullConfig.TrySetException(ex);
        _lostOne = true;
        _silo = (_silo + 1) % _silos.Count;
    }

    private async Task StreamAsync(CancellationToken cancel)
    {
        _clusters.Clear();
        _assigned.Clear();
        _edsNames = [];
        (_edsVersion, _edsNonce) = ("", "");
        _first = true;
        using var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(Channel(Silo))
            .StreamAggregatedResources(cancellationToken: cancel);
        await call.RequestStream.WriteAsync(Request(ClusterType, "", "", []), cancel);
        while (await call.ResponseStream.MoveNext(cancel))
        {
            var at = Stopwatch.GetTimestamp();
            var response = call.ResponseStream.Current;
            Interlocked.Increment(ref _responses);
            if (response.TypeUrl == ClusterType) await OnClustersAsync(call.RequestStream, response, cancel);
            else if (response.TypeUrl == EndpointType) await OnEndpointsAsync(call.RequestStream, response, at, cancel);
            if (_expected.IsSubsetOf(_clusters) && _edsNames.All(_assigned.Contains))
            {
                _fullConfig.TrySetResult(at);
                if (_lostOne) _fullAgain.TrySetResult(at);
            }
        }
    }

    private async Task OnClustersAsync(IClientStreamWriter<DiscoveryRequest> requests, DiscoveryResponse response, CancellationToken cancel)
    {
        _clusters.Clear();
        var eds = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var any in response.Resources)
        {
            var cluster = Cluster.Parser.ParseFrom(any.Value);
            _clusters.Add(cluster.Name);
            if (cluster.Type == Cluster.Types.DiscoveryType.Eds)
                eds.Add(string.IsNullOrEmpty(cluster.EdsClusterConfig?.ServiceName) ? cluster.Name : cluster.EdsClusterConfig.ServiceName);
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

    private async Task OnEndpointsAsync(IClientStreamWriter<DiscoveryRequest> requests, DiscoveryResponse response, long at, CancellationToken cancel)
    {
        var watch = _board.Current;
        foreach (var any in response.Resources)
        {
            var assignment = ClusterLoadAssignment.Parser.ParseFrom(any.Value);
            _assigned.Add(assignment.ClusterName);
            if (watch is not null && _index >= 0 && assignment.ClusterName == watch.Cluster && Holds(assignment, watch.Address))
                watch.Arrive(_index, at);
        }
        (_edsVersion, _edsNonce) = (response.VersionInfo, response.Nonce);
        await requests.WriteAsync(Request(EndpointType, _edsVersion, _edsNonce, _edsNames), cancel);
    }

    private static bool Holds(ClusterLoadAssignment assignment, string address) =>
        assignment.Endpoints.SelectMany(l => l.LbEndpoints).Any(e => e.Endpoint?.Address?.SocketAddress?.Address == address);

    private DiscoveryRequest Request(string typeUrl, string version, string nonce, IEnumerable<string> names)
    {
        // Envoy sends its Node on the first request of a stream only; the server must not need it later.
        var request = new DiscoveryRequest { TypeUrl = typeUrl, VersionInfo = version, ResponseNonce = nonce };
        if (_first) request.Node = _node;
        _first = false;
        request.ResourceNames.AddRange(names);
        return request;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var channel in _channels.Values) channel.Dispose();
        return ValueTask.CompletedTask;
    }
}
