using System.Buffers;

namespace Mesh.Proxy.Interception;

public enum SniffedProtocol { Http, Tcp }

/// <summary>
/// Envoy's http_inspector, for inbound connections whose port declares no protocol to the proxy:
/// HTTP/1.x starts with a method token and a space, h2c with the connection preface; anything else,
/// or a client that stays silent (a server-first protocol such as MySQL or SMTP), is TCP.
/// </summary>
public static class ProtocolSniffer
{
    private static readonly string[] Methods =
        ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE", "PRI"];

    /// <summary>The longest prefix needed to decide: "OPTIONS " (8 bytes).</summary>
    public const int DecisionLength = 8;

    /// <returns>The protocol, or null when the bytes so far are a prefix of an HTTP request line and more are needed.</returns>
    public static SniffedProtocol? Classify(ReadOnlySequence<byte> head)
    {
        Span<byte> bytes = stackalloc byte[DecisionLength];
        var length = (int)Math.Min(head.Length, DecisionLength);
        head.Slice(0, length).CopyTo(bytes);
        var span = bytes[..length];
        var undecided = false;
        foreach (var method in Methods)
        {
            var token = method.Length + 1;
            var compared = Math.Min(token, span.Length);
            var matches = true;
            for (var i = 0; i < compared && matches; i++)
                matches = span[i] == (i < method.Length ? (byte)method[i] : (byte)' ');
            if (!matches) continue;
            if (compared == token) return SniffedProtocol.Http;
            undecided = true;
        }
        return undecided ? null : SniffedProtocol.Tcp;
    }
}
