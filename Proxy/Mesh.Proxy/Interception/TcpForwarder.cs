using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Interception;

/// <summary>Bytes moved by one forwarded connection, and why it ended (Envoy's response flags: UF when the upstream refused).</summary>
public sealed record TcpForwardResult(long BytesSent, long BytesReceived, string Flags);

/// <summary>
/// Envoy's tcp_proxy: one upstream connection per downstream one, bytes copied both ways, half
/// closes passed on (the client's FIN becomes a shutdown of the upstream's send side and the
/// other way round), either side's reset ends both.
/// </summary>
public static class TcpForwarder
{
    private const int BufferSize = 16 * 1024;

    /// <remarks>BytesSent counts what went to the downstream peer, BytesReceived what came from it (Envoy's downstream view).</remarks>
    public static async Task<TcpForwardResult> ForwardAsync(ConnectionContext downstream, IPEndPoint upstream, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        using var socket = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connect.CancelAfter(connectTimeout);
            try
            {
                await socket.ConnectAsync(upstream, connect.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                return new TcpForwardResult(0, 0, "UF");
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, downstream.ConnectionClosed);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var toUpstream = CopyToUpstreamAsync(downstream.Transport.Input, stream, socket, stop);
        var toDownstream = CopyToDownstreamAsync(stream, downstream.Transport.Output, stop);
        var results = await Task.WhenAll(toUpstream, toDownstream);
        return new TcpForwardResult(results[1], results[0], "-");
    }

    private static async Task<long> CopyToUpstreamAsync(PipeReader input, NetworkStream upstream, Socket socket, CancellationTokenSource stop)
    {
        long total = 0;
        try
        {
            while (true)
            {
                var read = await input.ReadAsync(stop.Token);
                foreach (var segment in read.Buffer)
                {
                    await upstream.WriteAsync(segment, stop.Token);
                    total += segment.Length;
                }
                input.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted || read.IsCanceled) break;
            }
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ConnectionResetException)
        {
            await stop.CancelAsync();
        }
        return total;
    }

    private static async Task<long> CopyToDownstreamAsync(NetworkStream upstream, PipeWriter output, CancellationTokenSource stop)
    {
        long total = 0;
        try
        {
            while (true)
            {
                var memory = output.GetMemory(BufferSize);
                var count = await upstream.ReadAsync(memory, stop.Token);
                if (count == 0) break;
                output.Advance(count);
                total += count;
                var flush = await output.FlushAsync(stop.Token);
                if (flush.IsCompleted || flush.IsCanceled) break;
            }
            await output.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ConnectionResetException)
        {
            await stop.CancelAsync();
        }
        return total;
    }
}
