using System.Collections.Concurrent;
using System.Diagnostics;
using Envoy.Config.Core.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace Mesh.XdsLoad;

/// <summary>What all clients of a run share: the traffic counters, the change tracker, and one copy of each resource name.</summary>
public sealed record ClientShared(Traffic Traffic, ChangeTracker Tracker, int Hosts)
{
    private readonly ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);

    /// <summary>10,000 clients holding 1,000 names each would otherwise keep 10 million copies of the same strings.</summary>
    public string Name(string name) => _names.GetOrAdd(name, name);
}

/// <summary>
/// What SotW and Delta proxies have in common: the node, one channel (one HTTP/2 connection) at a
/// time, the reconnect loop with Envoy's back-off over the silo list, the full-config signal, and
/// the per-host sequence numbers whose rises are reported to the tracker once ACKed.
/// The stream itself (one reader loop that is also the only writer) is the subclass's.
/// </summary>
public abstract class ProxyClient : IAsyncDisposable
{
    public const string ClusterType = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public const string EndpointType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

    private readonly int _index;
    private readonly IReadOnlyList<Uri> _silos;
    private int _silo;
    private GrpcChannel? _channel;
    private readonly TaskCompletionSource<long> _fullConfig = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ReconnectBackoff _backoff = new();
    private readonly int[][] _held;
    private readonly List<(ChangeKind Kind, int Host, int Seq)> _unacked = [];
    private readonly Lock _returnLock = new();
    private TaskCompletionSource<long>? _return;
    private bool _lostSinceArmed, _fullOnStream;
    private string? _lastError;

    /// <param name="index">Slot in the change tracker; -1 for a client that takes no part in the timings.</param>
    /// <param name="silos">Silos to connect to: the first at <paramref name="first"/>, the next after each lost or refused stream.</param>
    protected ProxyClient(int index, string nodeId, IReadOnlyList<Uri> silos, int first, ClientShared shared)
    {
        _index = index;
        _silos = silos;
        _silo = first;
        Shared = shared;
        _held = [new int[shared.Hosts], new int[shared.Hosts]];
        Node = new Node
        {
            Id = nodeId,
            Cluster = "xdsload",
            Metadata = new Struct { Fields = { ["NAMESPACE"] = Value.ForString("default") } },
        };
    }

    protected Node Node { get; }

    protected ClientShared Shared { get; }

    /// <summary>
    /// A load assignment's name and change sequence. Proxies use the wire-level reader; the probe
    /// (which takes no part in the timings) also parses each one in full and stops the run should
    /// the two disagree.
    /// </summary>
    protected (string Name, int Seq) ReadAssignment(Google.Protobuf.ByteString bytes)
    {
        var (name, seq) = AssignmentReader.Read(bytes.Span);
        if (_index < 0)
        {
            var full = Envoy.Config.Endpoint.V3.ClusterLoadAssignment.Parser.ParseFrom(bytes);
            if (full.ClusterName != name || StateCodes.SeqOf(full) != seq)
                throw new InvalidOperationException($"AssignmentReader read ({name}, {seq}); the full parse gives ({full.ClusterName}, {StateCodes.SeqOf(full)})");
        }
        return (Shared.Name(name), seq);
    }

    /// <summary>The silo this client is (or was last) connected to.</summary>
    public Uri Silo => _silos[_silo];

    public long StartedAt { get; private set; }

    /// <summary>Completes with the timestamp at which CDS first held every host's cluster and EDS every EDS cluster.</summary>
    public Task<long> FullConfig => _fullConfig.Task;

    /// <summary>Why the last stream ended, for a timeout's message.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>
    /// From now on, completes with the timestamp at which a stream replacing a lost one holds the full
    /// config again. Armed before a silo is killed, so earlier reconnects do not count.
    /// </summary>
    public Task<long> ReturnAfterLoss()
    {
        var armed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_returnLock) (_return, _lostSinceArmed) = (armed, false);
        return armed.Task;
    }

    public async Task RunAsync(CancellationToken cancel)
    {
        StartedAt = Stopwatch.GetTimestamp();
        while (!cancel.IsCancellationRequested)
        {
            _unacked.Clear();
            _fullOnStream = false;
            try
            {
                _channel ??= GrpcChannel.ForAddress(Silo, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
                await StreamAsync(_channel.CreateCallInvoker(), cancel);
                Volatile.Write(ref _lastError, "the server closed the stream");
            }
            catch (Exception ex) when (cancel.IsCancellationRequested && ex is OperationCanceledException or RpcException)
            {
                break;
            }
            catch (Exception ex)
            {
                Volatile.Write(ref _lastError, ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : $"{ex.GetType().Name}: {ex.Message}");
            }
            Shared.Traffic.Retried();
            lock (_returnLock) _lostSinceArmed = _return is not null;
            // As Envoy with several control plane addresses: the next one (round robin), after a jittered back-off.
            // One connection per proxy: the old silo's channel goes when the client moves on.
            if (_silos.Count > 1)
            {
                _channel?.Dispose();
                _channel = null;
                _silo = (_silo + 1) % _silos.Count;
            }
            try { await Task.Delay(_backoff.Next(), cancel); }
            catch (OperationCanceledException) { break; }
        }
        _fullConfig.TrySetCanceled(cancel);
        lock (_returnLock) _return?.TrySetCanceled(cancel);
    }

    /// <summary>One stream, from its first request until it ends; throws or returns when it is lost.</summary>
    protected abstract Task StreamAsync(CallInvoker invoker, CancellationToken cancel);

    /// <summary>Every response: counted with its size; a response means the stream is up, so the back-off starts over.</summary>
    protected void Received(IMessage response)
    {
        Shared.Traffic.Received(response.CalculateSize());
        _backoff.Reset();
    }

    /// <summary>A resource in the response being handled holds change seq of its host (if it is one of the run's hosts).</summary>
    protected void Holds(ChangeKind kind, string name, int seq)
    {
        var host = ConfigFiles.HostOf(name);
        if (host >= 0 && host < _held[0].Length && seq > _held[(int)kind][host]) _unacked.Add((kind, host, seq));
    }

    /// <summary>Call right after the ACK of the response received at <paramref name="received"/> was written.</summary>
    protected void Acked(long received)
    {
        if (_unacked.Count == 0) return;
        var acked = Stopwatch.GetTimestamp();
        foreach (var (kind, host, seq) in _unacked)
        {
            var held = _held[(int)kind];
            if (seq <= held[host]) continue;
            if (_index >= 0) Shared.Tracker.Acked(kind, host, held[host], seq, received, acked);
            held[host] = seq;
        }
        _unacked.Clear();
    }

    /// <summary>Called by the subclass after each response with whether its state is now complete.</summary>
    protected void CheckFull(Func<bool> full, long at)
    {
        if (_fullOnStream || !full()) return;
        _fullOnStream = true;
        _fullConfig.TrySetResult(at);
        lock (_returnLock)
            if (_lostSinceArmed) _return?.TrySetResult(at);
    }

    public ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        return ValueTask.CompletedTask;
    }
}
