using System.Buffers.Binary;
using System.Net;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;

namespace Mesh.XdsLoad;

/// <summary>
/// A change's sequence number, written into what the proxy receives so that a proxy's state says
/// which change it is from: endpoint 0's address for endpoint changes, the cluster's
/// maxConnections (from a DestinationRule) for config edits. Sequence numbers only grow, so
/// "this change or a later one of the same host" is a comparison.
/// </summary>
public static class StateCodes
{
    /// <summary>172.16.0.0/12: 2^20 changes; the hosts' initial addresses (10.x) are outside it and read as 0.</summary>
    private const uint Base = 172u << 24 | 16u << 16;
    private const uint Size = 1u << 20;

    public const int MaxSeq = (int)Size - 1;

    public static string Address(int seq)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, Base + (uint)seq);
        return new IPAddress(bytes).ToString();
    }

    public static int SeqOfAddress(string address)
    {
        if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return 0;
        Span<byte> bytes = stackalloc byte[4];
        ip.TryWriteBytes(bytes, out _);
        var value = BinaryPrimitives.ReadUInt32BigEndian(bytes) - Base;
        return value < Size ? (int)value : 0;
    }

    /// <summary>The highest sequence number among the assignment's endpoints (only endpoint 0 carries one).</summary>
    public static int SeqOf(ClusterLoadAssignment assignment)
    {
        var seq = 0;
        foreach (var locality in assignment.Endpoints)
            foreach (var endpoint in locality.LbEndpoints)
                if (endpoint.Endpoint?.Address?.SocketAddress?.Address is { } address)
                    seq = Math.Max(seq, SeqOfAddress(address));
        return seq;
    }

    /// <summary>maxConnections set from a DestinationRule; without one the silo lifts the limit (uint.MaxValue), read as 0.</summary>
    public static int SeqOf(Cluster cluster)
    {
        var thresholds = cluster.CircuitBreakers?.Thresholds;
        if (thresholds is null || thresholds.Count == 0) return 0;
        var max = thresholds[0].MaxConnections;
        return max is > 0 and <= (uint)MaxSeq ? (int)max : 0;
    }
}
