using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Mesh.Proxy.Hosting;

/// <summary>
/// h2c with prior knowledge and HTTP/1.1 on one cleartext port, as Envoy's outbound listener takes
/// both. Kestrel picks HTTP/2 on an Http1AndHttp2 endpoint only when TLS ALPN said "h2", so this
/// connection middleware peeks (consuming nothing) for the HTTP/2 connection preface and, if it is
/// there, presents the connection to Kestrel as if ALPN had chosen h2. Kestrel must then accept the
/// client's :scheme "http" (KestrelServerOptions.AllowAlternateSchemes), so requests still read as http.
/// </summary>
internal static class H2cDetection
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    public static void UseH2cDetection(this ListenOptions listen) => listen.Use(next => async connection =>
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(connection.ConnectionClosed);
            var buffer = result.Buffer;
            var length = (int)Math.Min(buffer.Length, Preface.Length);
            var head = buffer.Slice(0, length).ToArray();
            var matches = head.AsSpan().SequenceEqual(Preface.AsSpan(0, length));
            if (!matches || length == Preface.Length || result.IsCompleted)
            {
                // Nothing consumed or examined: Kestrel reads these bytes again from the start.
                input.AdvanceTo(buffer.Start);
                if (matches && length == Preface.Length)
                {
                    connection.Features.Set<ITlsConnectionFeature>(PriorKnowledge.Instance);
                    connection.Features.Set<ITlsApplicationProtocolFeature>(PriorKnowledge.Instance);
                }
                break;
            }
            // A partial preface so far: examined everything, consumed nothing, wait for more.
            input.AdvanceTo(buffer.Start, buffer.End);
        }
        await next(connection);
    });

    private sealed class PriorKnowledge : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public static PriorKnowledge Instance { get; } = new();

        public ReadOnlyMemory<byte> ApplicationProtocol { get; } = "h2"u8.ToArray();

        public X509Certificate2? ClientCertificate { get => null; set { } }

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }
}
