using System.Threading.Channels;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using Grpc.Net.Client;

namespace Mesh.Silo.Tests.Xds;

/// <summary>One Delta ADS stream to a silo, its responses queued for the test to wait on.</summary>
internal sealed class DeltaStreamClient : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse> _call;
    private readonly Channel<DeltaDiscoveryResponse> _responses = Channel.CreateUnbounded<DeltaDiscoveryResponse>();
    private readonly Task _reader;

    public DeltaStreamClient(int port)
    {
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        _call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(_channel).DeltaAggregatedResources();
        _reader = Task.Run(async () =>
        {
            try { await foreach (var r in _call.ResponseStream.ReadAllAsync()) _responses.Writer.TryWrite(r); }
            catch (RpcException ex) { EndedWith = ex.StatusCode; }
            _responses.Writer.TryComplete();
        });
    }

    /// <summary>The status the server ended the stream with, once it did with an error.</summary>
    public StatusCode? EndedWith { get; private set; }

    /// <summary>Completes when the response stream has ended.</summary>
    public Task Ended => _reader;

    public Task SendAsync(DeltaDiscoveryRequest request) => _call.RequestStream.WriteAsync(request);

    public async Task<DeltaDiscoveryResponse> NextAsync(Func<DeltaDiscoveryResponse, bool> condition, string because)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            while (true)
            {
                var r = await _responses.Reader.ReadAsync(cts.Token);
                if (condition(r)) return r;
            }
        }
        catch (OperationCanceledException) { throw new TimeoutException($"no Delta response within 20 s: expected {because}"); }
    }

    public async ValueTask DisposeAsync()
    {
        try { await _call.RequestStream.CompleteAsync(); } catch (Exception) { }
        _call.Dispose();
        await _reader;
        _channel.Dispose();
    }
}
