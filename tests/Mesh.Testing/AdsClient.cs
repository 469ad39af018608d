using System.Threading.Channels;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using Grpc.Net.Client;

namespace Mesh.Testing;

/// <summary>A minimal ADS client for protocol tests: sends requests, queues responses, waits on them with deadlines.</summary>
public sealed class AdsClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> _call;
    private readonly Channel<DiscoveryResponse> _responses = Channel.CreateUnbounded<DiscoveryResponse>();
    private readonly Task _reader;

    public AdsClient(int port, string nodeId)
    {
        NodeId = nodeId;
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        _call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(_channel).StreamAggregatedResources();
        _reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var r in _call.ResponseStream.ReadAllAsync()) _responses.Writer.TryWrite(r);
                _responses.Writer.TryComplete();
            }
            catch (Exception ex) { _responses.Writer.TryComplete(ex); }
        });
    }

    public string NodeId { get; }

    public Task SendAsync(string typeUrl, IEnumerable<string> names, string version = "", string nonce = "", string? error = null, bool withNode = true)
    {
        var request = new DiscoveryRequest { TypeUrl = typeUrl, VersionInfo = version, ResponseNonce = nonce };
        if (withNode) request.Node = new Node { Id = NodeId };
        request.ResourceNames.AddRange(names);
        if (error is not null) request.ErrorDetail = new Google.Rpc.Status { Code = 3, Message = error };
        return _call.RequestStream.WriteAsync(request);
    }

    public Task AckAsync(DiscoveryResponse response, IEnumerable<string> names) =>
        SendAsync(response.TypeUrl, names, response.VersionInfo, response.Nonce);

    public async Task<DiscoveryResponse> NextAsync(string? because = null)
    {
        using var cts = new CancellationTokenSource(Timeout);
        try { return await _responses.Reader.ReadAsync(cts.Token); }
        catch (ChannelClosedException closed) when (closed.InnerException is RpcException rpc) { throw rpc; }
        catch (OperationCanceledException) { throw new TimeoutException($"no xDS response within {Timeout.TotalSeconds} s{(because is null ? "" : ": expected " + because)}"); }
    }

    /// <summary>The next response if one arrives within <paramref name="wait"/>; null otherwise (for "nothing more is sent" checks).</summary>
    public async Task<DiscoveryResponse?> TryNextAsync(TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try { return await _responses.Reader.ReadAsync(cts.Token); }
        catch (ChannelClosedException closed) when (closed.InnerException is RpcException rpc) { throw rpc; }
        catch (OperationCanceledException) { return null; }
    }

    /// <summary>Waits for a response of a type that satisfies a condition, skipping others.</summary>
    public async Task<DiscoveryResponse> NextMatchingAsync(string typeUrl, Func<DiscoveryResponse, bool> condition, string because)
    {
        while (true)
        {
            var r = await NextAsync(because);
            if (r.TypeUrl == typeUrl && condition(r)) return r;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { await _call.RequestStream.CompleteAsync(); } catch (Exception) { }
        _call.Dispose();
        try { await _reader; } catch (Exception) { }
        _channel.Dispose();
    }
}
