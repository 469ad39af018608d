using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Counts body bytes through a stream without buffering: Kestrel keeps no per-request byte counts,
/// and Envoy's BYTES_RECEIVED / BYTES_SENT and istio_request_bytes / istio_response_bytes need them.
/// Only a long is added per call, so the forwarder's streaming (gRPC, long polls) is unaffected.
/// </summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    public long Count { get; private set; }

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));
    public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken));

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        Count += count;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        Count += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Count += buffer.Length;
        return inner.WriteAsync(buffer, cancellationToken);
    }

    private int Counted(int read)
    {
        Count += read;
        return read;
    }
}

/// <summary>Counts what is advanced through a PipeWriter (HttpResponse.WriteAsync writes through BodyWriter).</summary>
internal sealed class CountingPipeWriter(PipeWriter inner) : PipeWriter
{
    public long Count { get; private set; }

    public override void Advance(int bytes)
    {
        Count += bytes;
        inner.Advance(bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);
    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);
    public override void CancelPendingFlush() => inner.CancelPendingFlush();
    public override void Complete(Exception? exception = null) => inner.Complete(exception);
    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;
    public override long UnflushedBytes => inner.UnflushedBytes;

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        Count += source.Length;
        return inner.WriteAsync(source, cancellationToken);
    }
}

/// <summary>
/// The response body feature with both of its write paths counted: the forwarder copies into
/// Stream, local replies write through Writer, and Kestrel serves each path separately, so no byte
/// is counted twice. Everything else is the server's own feature.
/// </summary>
internal sealed class CountingResponseBody(IHttpResponseBodyFeature inner) : IHttpResponseBodyFeature
{
    private CountingStream? _stream;
    private CountingPipeWriter? _writer;
    private long _sendFile;

    public IHttpResponseBodyFeature Inner => inner;
    public long Count => (_stream?.Count ?? 0) + (_writer?.Count ?? 0) + _sendFile;
    public Stream Stream => _stream ??= new CountingStream(inner.Stream);
    public PipeWriter Writer => _writer ??= new CountingPipeWriter(inner.Writer);
    public void DisableBuffering() => inner.DisableBuffering();
    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);
    public Task CompleteAsync() => inner.CompleteAsync();

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await inner.SendFileAsync(path, offset, count, cancellationToken);
        _sendFile += count ?? new FileInfo(path).Length - offset;
    }
}
