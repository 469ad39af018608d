namespace Mesh.Grains.Generators;

/// <summary>Istio's resource names: proxies, dashboards and istioctl-style tooling key on them.</summary>
public static class Names
{
    /// <summary>outbound|port|subset|host; the subset slot stays empty for the whole service.</summary>
    public static string Cluster(uint port, string? subset, string host) => $"outbound|{port}|{subset}|{host}";

    /// <summary>host:port, also the proxyless listener and route table name (gRPC dials that authority).</summary>
    public static string VirtualHost(string host, uint port) => $"{host}:{port}";

    public static string SidecarListener(uint port) => $"0.0.0.0_{port}";

    public static string SidecarListener(string address, uint port) => $"{address}_{port}";

    public static string SidecarRoute(uint port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
