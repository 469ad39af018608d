using System.Net;
using System.Net.Sockets;

namespace Mesh.Interop.Tests.Infrastructure;

public static class Ports
{
    /// <summary>Loopback ports free right now: all held open together so they are distinct, then released.</summary>
    public static int[] FreeLoopback(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners) l.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }
}
