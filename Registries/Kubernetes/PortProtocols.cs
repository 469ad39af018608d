using k8s.Models;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// A Kubernetes service port's protocol, by Istio's rules (pkg/config/kube ConvertProtocol): the
/// port's appProtocol when set, else its name; "grpc-web" as a prefix, else the part before the
/// first '-' ("http-api" is HTTP), case-insensitive. What names no known protocol would be
/// sniffed by Istio; this mesh does not sniff, so it is TCP (Istio's own default for ports it
/// cannot sniff, such as 3306). UDP and SCTP ports carry no proxied traffic and get null.
/// </summary>
public static class PortProtocols
{
    public static string? Of(V1ServicePort port)
    {
        if (port.Protocol is { } transport && !transport.Equals("TCP", StringComparison.OrdinalIgnoreCase)) return null;
        var name = port.AppProtocol ?? port.Name ?? "";
        if (name.StartsWith("grpc-web", StringComparison.OrdinalIgnoreCase)) return "GRPC-WEB";
        var dash = name.IndexOf('-');
        var prefix = (dash >= 0 ? name[..dash] : name).ToLowerInvariant();
        return prefix switch
        {
            "http" => "HTTP",
            "http2" => "HTTP2",
            // Kubernetes' standard appProtocol for cleartext HTTP/2 (KEP-3726); newer Istio reads it as HTTP2.
            "kubernetes.io/h2c" => "HTTP2",
            "https" => "HTTPS",
            "grpc" => "GRPC",
            "tls" => "TLS",
            "mongo" => "MONGO",
            "redis" => "REDIS",
            "mysql" => "MYSQL",
            _ => "TCP",
        };
    }
}
