using System.Buffers;
using Mesh.Proxy.Configuration;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Mesh.Proxy.Interception;

/// <summary>
/// Connection middleware for the outbound and inbound ports, the part of Envoy's virtual outbound
/// and virtual inbound listeners that runs before HTTP: a connection iptables redirected carries
/// its original destination (a connection feature, seen by the HTTP handlers too), which decides
/// whether it is HTTP for Kestrel or bytes for <see cref="TcpConnectionHandler"/>. Connections that
/// dialed the port itself (explicit interception) go straight to HTTP, as before.
/// </summary>
public sealed class InterceptedConnections(XdsProxyConfigProvider provider, TcpConnectionHandler tcp, TimeProvider time)
{
    /// <summary>Istio's protocol detection timeout: a client silent this long speaks a server-first protocol.</summary>
    public static readonly TimeSpan SniffTimeout = TimeSpan.FromMilliseconds(100);

    public async Task OutboundAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (Original(connection) is not { } original)
        {
            await next(connection);
            return;
        }
        connection.Features.Set(original);
        var snapshot = provider.Current.Snapshot;
        if (snapshot.TcpListenerFor(original.EndPoint) is { } listener) await tcp.ForwardToClusterAsync(connection, original, listener);
        else if (snapshot.HasHttpListener((uint)original.EndPoint.Port)) await next(connection);
        else await tcp.PassthroughAsync(connection, original);
    }

    public async Task InboundAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (Original(connection) is not { } original)
        {
            await next(connection);
            return;
        }
        connection.Features.Set(original);
        if (await SniffAsync(connection) == SniffedProtocol.Http) await next(connection);
        else await tcp.InboundAsync(connection, original);
    }

    private static OriginalDestination? Original(ConnectionContext connection) =>
        connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket ? OriginalDestination.Of(socket) : null;

    /// <summary>Peeks at the first bytes (consuming none) until they decide, the client closes, or the timeout passes.</summary>
    private async Task<SniffedProtocol> SniffAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var gate = new Lock();
        bool done = false, fired = false, lastCanceled = false;
        using var timer = time.CreateTimer(_ =>
        {
            lock (gate)
            {
                if (done) return;
                fired = true;
                input.CancelPendingRead();
            }
        }, null, SniffTimeout, Timeout.InfiniteTimeSpan);
        SniffedProtocol result;
        while (true)
        {
            var read = await input.ReadAsync(connection.ConnectionClosed);
            lastCanceled = read.IsCanceled;
            var buffer = read.Buffer;
            var verdict = ProtocolSniffer.Classify(buffer);
            if (verdict is not null || read.IsCompleted || read.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                result = verdict ?? SniffedProtocol.Tcp;
                break;
            }
            // A prefix of a request line so far: examined all, consumed nothing, wait for more.
            input.AdvanceTo(buffer.Start, buffer.End);
        }
        bool stale;
        lock (gate)
        {
            done = true;
            stale = fired && !lastCanceled;
        }
        if (stale)
        {
            // The timer fired after the deciding read: its cancellation would hit the next reader's first read. Take it here.
            var swallowed = await input.ReadAsync(connection.ConnectionClosed);
            input.AdvanceTo(swallowed.Buffer.Start);
        }
        return result;
    }
}
