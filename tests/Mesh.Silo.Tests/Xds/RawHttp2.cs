using System.Buffers.Binary;
using System.Net.Sockets;

namespace Mesh.Silo.Tests.Xds;

/// <summary>
/// An HTTP/2 client that speaks only the connection preface and frames, so a test controls what
/// a real client library would do by itself (answering PINGs, for one).
/// </summary>
internal sealed class RawHttp2 : IAsyncDisposable
{
    public const byte Settings = 0x4, Ping = 0x6, GoAway = 0x7;
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
    private readonly TcpClient _tcp = new() { NoDelay = true };
    private NetworkStream _stream = null!;

    public sealed record Frame(byte Type, byte Flags, int StreamId, byte[] Payload);

    public static async Task<RawHttp2> ConnectAsync(int port, CancellationToken cancel)
    {
        var client = new RawHttp2();
        await client._tcp.ConnectAsync("127.0.0.1", port, cancel);
        client._stream = client._tcp.GetStream();
        await client._stream.WriteAsync(Preface, cancel);
        await client.WriteFrameAsync(Settings, 0, [], cancel);
        return client;
    }

    public async Task WriteFrameAsync(byte type, byte flags, byte[] payload, CancellationToken cancel)
    {
        var header = new byte[9];
        header[0] = (byte)(payload.Length >> 16);
        header[1] = (byte)(payload.Length >> 8);
        header[2] = (byte)payload.Length;
        header[3] = type;
        header[4] = flags;
        await _stream.WriteAsync(header, cancel);
        await _stream.WriteAsync(payload, cancel);
    }

    /// <summary>The next frame; null when the server closed the connection (EOF or reset).</summary>
    public async Task<Frame?> ReadFrameAsync(CancellationToken cancel)
    {
        var header = new byte[9];
        if (!await ReadExactlyAsync(header, cancel)) return null;
        var length = (header[0] << 16) | (header[1] << 8) | header[2];
        var payload = new byte[length];
        if (!await ReadExactlyAsync(payload, cancel)) return null;
        return new Frame(header[3], header[4], BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & 0x7fffffff, payload);
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer, CancellationToken cancel)
    {
        try
        {
            await _stream.ReadExactlyAsync(buffer, cancel);
            return true;
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException) { return false; }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
