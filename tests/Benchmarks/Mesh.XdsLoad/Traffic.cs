namespace Mesh.XdsLoad;

/// <summary>xDS responses and their bytes received by all clients; read as differences per phase.</summary>
public sealed class Traffic
{
    private long _responses, _bytes, _retries;

    public long Responses => Interlocked.Read(ref _responses);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Streams refused or lost, each followed by a reconnect after back-off.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public void Retried() => Interlocked.Increment(ref _retries);

    public void Received(int bytes)
    {
        Interlocked.Increment(ref _responses);
        Interlocked.Add(ref _bytes, bytes);
    }
}
