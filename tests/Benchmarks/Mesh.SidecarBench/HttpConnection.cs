using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.SidecarBench;

/// <summary>
/// One keep-alive HTTP/1.1 connection with blocking I/O, sending one prepared request at a time.
/// Blocking, so a response wakes the waiting thread straight from the kernel with no thread-pool
/// hop; own parsing (status, Content-Length or chunked), so the client adds microseconds, not an
/// HttpClient's pool and header collections. Reconnects on the next request after any failure.
/// </summary>
public sealed class HttpConnection(IPEndPoint endpoint, byte[] request) : IDisposable
{
    private static readonly TimeSpan IoTimeout = TimeSpan.FromSeconds(5);
    private readonly byte[] _buffer = new byte[64 * 1024];
    private Socket? _socket;
    private int _start;
    private int _end;

    public static byte[] Get(string host, string path) =>
        Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: mesh-sidecar-bench\r\n\r\n");

    public void Connect()
    {
        if (_socket is not null) return;
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = (int)IoTimeout.TotalMilliseconds,
            SendTimeout = (int)IoTimeout.TotalMilliseconds,
        };
        try
        {
            socket.Connect(endpoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        _start = _end = 0;
    }

    /// <summary>Sends the request and reads the whole response: its status and body length.</summary>
    public (int Status, int BodyBytes) Exchange()
    {
        Connect();
        try
        {
            var sent = 0;
            while (sent < request.Length) sent += _socket!.Send(request, sent, request.Length - sent, SocketFlags.None);
            return ReadResponse();
        }
        catch
        {
            Close();
            throw;
        }
    }

    public void Dispose() => Close();

    private void Close()
    {
        _socket?.Dispose();
        _socket = null;
    }

    private (int Status, int BodyBytes) ReadResponse()
    {
        var statusLine = ReadLine();
        // "HTTP/1.1 200 OK"
        if (statusLine.Length < 12 || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out _))
            throw new IOException($"bad status line '{Encoding.ASCII.GetString(statusLine)}'");
        long contentLength = -1;
        var chunked = false;
        var close = false;
        while (true)
        {
            var line = ReadLine();
            if (line.Length == 0) break;
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
                contentLength = Utf8Parser.TryParse(value, out long n, out _) ? n : throw new IOException("bad content-length");
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
                chunked = Ascii.EqualsIgnoreCase(value, "chunked"u8);
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
                close = Ascii.EqualsIgnoreCase(value, "close"u8);
        }

        long body;
        if (chunked)
        {
            body = 0;
            while (true)
            {
                var sizeLine = ReadLine();
                var semicolon = sizeLine.IndexOf((byte)';');
                if (semicolon >= 0) sizeLine = sizeLine[..semicolon];
                if (!Utf8Parser.TryParse(sizeLine, out long size, out _, 'x')) throw new IOException("bad chunk size");
                if (size == 0)
                {
                    while (ReadLine().Length > 0) { }
                    break;
                }
                Skip(size);
                ReadLine();
                body += size;
            }
        }
        else if (contentLength >= 0)
        {
            Skip(contentLength);
            body = contentLength;
        }
        else
        {
            throw new IOException("response without content-length or chunked encoding");
        }
        if (close) Close();
        return (status, (int)body);
    }

    /// <summary>The next line without its CRLF; valid until the next read.</summary>
    private ReadOnlySpan<byte> ReadLine()
    {
        var scanned = 0;
        while (true)
        {
            var crlf = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf("\r\n"u8);
            if (crlf >= 0)
            {
                var line = _buffer.AsSpan(_start, scanned + crlf);
                _start += scanned + crlf + 2;
                return line;
            }
            scanned = Math.Max(0, _end - _start - 1);
            Fill();
        }
    }

    private void Skip(long count)
    {
        while (count > 0)
        {
            if (_start == _end) Fill();
            var take = (int)Math.Min(count, _end - _start);
            _start += take;
            count -= take;
        }
    }

    /// <summary>Reads more bytes, first moving what is left to the front of the buffer.</summary>
    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) throw new IOException("response header larger than the buffer");
        var read = _socket!.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
        if (read == 0) throw new IOException("connection closed mid-response");
        _end += read;
    }
}
