using System.Net;
using System.Net.Sockets;

namespace Mesh.Testing;

/// <summary>
/// Ports for servers a test starts. They come from below the kernel's ephemeral range
/// (/proc/sys/net/ipv4/ip_local_port_range, 32768+ by default): a port the OS hands out and takes
/// back can be given to the next outgoing connection of any test before the server binds it, so
/// "bind 0, release, reuse" lost races under parallel tests. A port here is random and checked
/// free on every address a server may bind; nothing else on the machine picks from this range.
/// </summary>
public static class FreePorts
{
    private const int Low = 20_000, High = 32_000;

    /// <summary>Ports free right now on 0.0.0.0 and 127.0.0.1; distinct within one call.</summary>
    public static int[] Take(int count)
    {
        var ports = new List<int>(count);
        for (var attempts = 0; ports.Count < count; attempts++)
        {
            if (attempts > 10_000) throw new InvalidOperationException($"no free port in {Low}-{High} after 10,000 tries");
            var port = Random.Shared.Next(Low, High);
            if (!ports.Contains(port) && Free(port)) ports.Add(port);
        }
        return [.. ports];
    }

    private static bool Free(int port)
    {
        try
        {
            // The wildcard bind also fails when any single address holds the port.
            using var any = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            any.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
