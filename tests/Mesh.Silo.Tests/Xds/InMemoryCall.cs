using System.Threading.Channels;
using Grpc.Core;

namespace Mesh.Silo.Tests.Xds;

/// <summary>
/// A stream's two directions as channels, to run an XdsStream without a socket: the test writes
/// requests and reads responses, and completing <see cref="Requests"/> ends the call as a client would.
/// </summary>
internal sealed class InMemoryCall<TRequest, TResponse>
{
    private readonly Channel<TRequest> _requests = Channel.CreateUnbounded<TRequest>();
    private readonly Channel<TResponse> _responses = Channel.CreateUnbounded<TResponse>();

    public InMemoryCall()
    {
        Reader = new RequestReader(_requests.Reader);
        Writer = new ResponseWriter(_responses.Writer);
    }

    public ChannelWriter<TRequest> Requests => _requests.Writer;

    public IAsyncStreamReader<TRequest> Reader { get; }

    public IServerStreamWriter<TResponse> Writer { get; }

    public async Task<TResponse> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { return await _responses.Reader.ReadAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"no response within {timeout.TotalSeconds} s"); }
    }

    private sealed class RequestReader(ChannelReader<TRequest> source) : IAsyncStreamReader<TRequest>
    {
        public TRequest Current { get; private set; } = default!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            while (await source.WaitToReadAsync(cancellationToken))
            {
                if (!source.TryRead(out var item)) continue;
                Current = item;
                return true;
            }
            return false;
        }
    }

    private sealed class ResponseWriter(ChannelWriter<TResponse> target) : IServerStreamWriter<TResponse>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(TResponse message) => target.WriteAsync(message).AsTask();
    }
}
