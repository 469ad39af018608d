using System.Net;
using System.Net.Sockets;

namespace Mesh.SidecarBench;

public static class FreePorts
{
    /// <summary>Ports the kernel just handed out on loopback; all open at once, so no two are the same.</summary>
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners) l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
    }
}
