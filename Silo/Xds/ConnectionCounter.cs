namespace Mesh.Silo.Xds;

/// <summary>
/// A silo's count of streams: the "n" of Istio's connection id "proxyId-n", here
/// "proxyId-silo-n" so that it is unique in the cluster (<see cref="NodeInfo.Read"/>).
/// </summary>
public sealed class ConnectionCounter
{
    private long _count;

    public long Next() => Interlocked.Increment(ref _count);
}
