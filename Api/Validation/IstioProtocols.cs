namespace Mesh.Api.Validation;

/// <summary>The port protocols Istio config may name (ServiceEntry ports, Sidecar egress ports).</summary>
public static class IstioProtocols
{
    public static IReadOnlyList<string> Known { get; } =
        ["HTTP", "HTTPS", "HTTP2", "GRPC", "GRPC-WEB", "TCP", "TLS", "MONGO", "REDIS", "MYSQL", "UDP"];

    /// <summary>Case-insensitive, as Istio's protocol parsing is.</summary>
    public static bool IsKnown(string protocol) => Known.Contains(protocol, StringComparer.OrdinalIgnoreCase);

    internal static string UnknownMessage { get; } = $"protocol must be one of {string.Join(", ", Known)}";
}
