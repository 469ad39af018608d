using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Proxy.Interception;

/// <summary>
/// Where an intercepted connection was headed before iptables REDIRECT sent it to this proxy:
/// netfilter keeps the pre-NAT destination and hands it out through getsockopt SO_ORIGINAL_DST.
/// </summary>
public sealed record OriginalDestination(IPEndPoint EndPoint)
{
    // linux/netfilter_ipv4.h SO_ORIGINAL_DST, linux/netfilter_ipv6/ip6_tables.h IP6T_SO_ORIGINAL_DST.
    private const int SoOriginalDst = 80;
    private const int SolIp = 0;
    private const int SolIpv6 = 41;

    /// <summary>
    /// The destination the peer dialed, or null when the connection was not redirected (explicit
    /// interception: the peer dialed this listener itself) or the platform has no netfilter.
    /// </summary>
    public static OriginalDestination? Of(Socket socket)
    {
        if (!OperatingSystem.IsLinux() || socket.LocalEndPoint is not IPEndPoint local) return null;
        Span<byte> buffer = stackalloc byte[28];
        IPEndPoint? found;
        try
        {
            found = local.AddressFamily == AddressFamily.InterNetworkV6 && !local.Address.IsIPv4MappedToIPv6
                ? ParseV6(buffer[..socket.GetRawSocketOption(SolIpv6, SoOriginalDst, buffer)])
                : ParseV4(buffer[..socket.GetRawSocketOption(SolIp, SoOriginalDst, buffer)]);
        }
        catch (SocketException)
        {
            // ENOENT: no conntrack entry (not NATed), ENOPROTOOPT: no netfilter.
            return null;
        }
        if (found is null) return null;
        var localV4 = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
        return found.Port == local.Port && found.Address.Equals(localV4) ? null : new OriginalDestination(found);
    }

    /// <summary>struct sockaddr_in: family (host order), port (network order), address.</summary>
    internal static IPEndPoint? ParseV4(ReadOnlySpan<byte> sockaddr) =>
        sockaddr.Length < 8 ? null : new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(sockaddr.Slice(2, 2)));

    /// <summary>struct sockaddr_in6: family, port, flowinfo, address (16 bytes), scope id.</summary>
    internal static IPEndPoint? ParseV6(ReadOnlySpan<byte> sockaddr) =>
        sockaddr.Length < 24 ? null : new IPEndPoint(new IPAddress(sockaddr.Slice(8, 16)), BinaryPrimitives.ReadUInt16BigEndian(sockaddr.Slice(2, 2)));
}
