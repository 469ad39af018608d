using Envoy.Config.Cluster.V3;
using EnvoyCluster = Envoy.Config.Cluster.V3.Cluster;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Mesh.Cluster.Tests.Infrastructure;

/// <summary>
/// An xDS client that behaves as a proxy would across a silo loss: state-of-the-world CDS (wildcard)
/// and EDS for every cluster, ACKing each response, and on a broken stream reconnecting to the next
/// silo of its list while it keeps what it had. It watches, at every response, whether any expected
/// host went missing, and records when it held its full config again after losing its stream.
/// </summary>
public sealed class WatchingProxy : IAsyncDisposable
{
    private const string CdsType = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    private const string EdsType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

    private readonly object _gate = new();
    private readonly int[] _ports;
    private readonly IReadOnlySet<string> _expected;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, string> _clusters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _endpoints = new(StringComparer.Ordinal);
    private readonly List<string> _violations = [];
    private readonly Task _loop;
    private int _portIndex;
    private bool _armed;
    private bool _fullOnThisStream;
    private bool _cdsOnStream;
    private readonly HashSet<string> _edsOnStream = new(StringComparer.Ordinal);

    /// <param name="expectedClusters">Clusters that must never go missing once the proxy held them all.</param>
    public WatchingProxy(string nodeId, int[] ports, int firstPortIndex, IReadOnlySet<string> expectedClusters)
    {
        NodeId = nodeId;
        _ports = ports;
        _portIndex = firstPortIndex;
        _expected = expectedClusters;
        _loop = Task.Run(RunAsync);
    }

    public string NodeId { get; }

    public int ConnectedPort { get { lock (_gate) return _ports[_portIndex]; } }

    public int Streams { get; private set; }

    /// <summary>When the current stream broke last, and when the proxy next held every expected cluster with endpoints.</summary>
    public DateTime? LostAt { get; private set; }
    public DateTime? FullAgainAt { get; private set; }

    public IReadOnlyList<string> Violations { get { lock (_gate) return [.. _violations]; } }

    /// <summary>Name → version of every cluster and load assignment held now.</summary>
    public IReadOnlyDictionary<string, string> Held()
    {
        lock (_gate) return _clusters.Select(c => ("cds:" + c.Key, c.Value)).Concat(_endpoints.Select(e => ("eds:" + e.Key, e.Value)))
            .ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);
    }

    /// <summary>The endpoint addresses held for a cluster ("ip:port", sorted), or null.</summary>
    public string? EndpointsOf(string cluster) { lock (_gate) return _endpointAddresses.GetValueOrDefault(cluster); }

    private readonly Dictionary<string, string> _endpointAddresses = new(StringComparer.Ordinal);

    public bool HoldsAll()
    {
        lock (_gate) return HoldsAllLocked();
    }

    private bool HoldsAllLocked() => _expected.All(c => _clusters.ContainsKey(c) && _endpoints.ContainsKey(c));

    /// <summary>From now on a response lacking an expected cluster is a violation.</summary>
    public void Arm()
    {
        lock (_gate) _armed = true;
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            int port;
            lock (_gate) port = _ports[_portIndex];
            try
            {
                await StreamAsync(port);
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
            }
            if (_stop.IsCancellationRequested) return;
            lock (_gate)
            {
                if (_fullOnThisStream || LostAt is null || FullAgainAt is not null) { LostAt = DateTime.UtcNow; FullAgainAt = null; }
                _fullOnThisStream = false;
                _portIndex = (_portIndex + 1) % _ports.Length;
            }
            try { await Task.Delay(100, _stop.Token); } catch (OperationCanceledException) { return; }
        }
    }

    private async Task StreamAsync(int port)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        using var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel)
            .StreamAggregatedResources(cancellationToken: _stop.Token);
        Streams++;
        lock (_gate)
        {
            _cdsOnStream = false;
            _edsOnStream.Clear();
        }
        var node = new Node { Id = NodeId };
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = node, TypeUrl = CdsType });
        var edsNames = new List<string>();
        await foreach (var response in call.ResponseStream.ReadAllAsync(_stop.Token))
        {
            if (response.TypeUrl == CdsType)
            {
                var clusters = response.Resources.Select(r => r.Unpack<EnvoyCluster>()).ToList();
                lock (_gate)
                {
                    _clusters.Clear();
                    foreach (var c in clusters) _clusters[c.Name] = Version(c);
                    _cdsOnStream = true;
                    CheckLocked("CDS");
                }
                await call.RequestStream.WriteAsync(new DiscoveryRequest { TypeUrl = CdsType, VersionInfo = response.VersionInfo, ResponseNonce = response.Nonce });
                var names = clusters.Where(c => c.Type == EnvoyCluster.Types.DiscoveryType.Eds || c.EdsClusterConfig is not null)
                    .Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
                if (!names.SequenceEqual(edsNames))
                {
                    edsNames = names;
                    var request = new DiscoveryRequest { TypeUrl = EdsType };
                    request.ResourceNames.AddRange(names);
                    await call.RequestStream.WriteAsync(request);
                }
            }
            else if (response.TypeUrl == EdsType)
            {
                lock (_gate)
                {
                    foreach (var cla in response.Resources.Select(r => r.Unpack<ClusterLoadAssignment>()))
                    {
                        var addresses = cla.Endpoints.SelectMany(l => l.LbEndpoints)
                            .Select(e => $"{e.Endpoint.Address.SocketAddress.Address}:{e.Endpoint.Address.SocketAddress.PortValue}")
                            .Order(StringComparer.Ordinal).ToList();
                        if (addresses.Count == 0) _endpoints.Remove(cla.ClusterName);
                        else _endpoints[cla.ClusterName] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(cla.ToByteArray()))[..16];
                        _endpointAddresses[cla.ClusterName] = string.Join(",", addresses);
                        if (addresses.Count > 0) _edsOnStream.Add(cla.ClusterName);
                    }
                    CheckLocked("EDS");
                }
                var ack = new DiscoveryRequest { TypeUrl = EdsType, VersionInfo = response.VersionInfo, ResponseNonce = response.Nonce };
                ack.ResourceNames.AddRange(edsNames);
                await call.RequestStream.WriteAsync(ack);
            }
        }
    }

    private static string Version(EnvoyCluster c) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(c.ToByteArray()))[..16];

    private void CheckLocked(string type)
    {
        // Full again only from what this stream delivered, not from what the proxy kept of the last one.
        if (HoldsAllLocked() && _cdsOnStream && _expected.All(_edsOnStream.Contains))
        {
            _fullOnThisStream = true;
            if (LostAt is not null && FullAgainAt is null) FullAgainAt = DateTime.UtcNow;
            return;
        }
        if (!_armed || HoldsAllLocked()) return;
        var missing = _expected.Where(c => !_clusters.ContainsKey(c) || !_endpoints.ContainsKey(c)).ToList();
        _violations.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {NodeId} on :{_ports[_portIndex]} after {type}: missing {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? $" and {missing.Count - 5} more" : "")}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _loop; } catch (Exception) { }
    }
}
