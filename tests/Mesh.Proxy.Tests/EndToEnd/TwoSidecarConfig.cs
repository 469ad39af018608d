namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>
/// Istio YAML for two workloads each behind its own sidecar: the ServiceEntry endpoints are the
/// server sidecars' inbound ports (not the apps'), as a pod IP's port reaches the sidecar under Istio.
/// </summary>
public static class TwoSidecarConfig
{
    /// <summary>An HTTP (or GRPC) ServiceEntry on port 8080 with v1/v2 endpoints on the given ports, and v1/v2 subsets.</summary>
    public static string Service(string host, int v1Port, int v2Port, string protocol = "HTTP") => $"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: {Name(host)}
          namespace: default
        spec:
          hosts: [{host}]
          location: MESH_INTERNAL
          resolution: STATIC
          ports:
          - number: {MeshConfig.ServicePort}
            name: {protocol.ToLowerInvariant()}
            protocol: {protocol}
          endpoints:
          - address: 127.0.0.1
            ports: {"{"}{protocol.ToLowerInvariant()}: {v1Port}{"}"}
            labels: {"{"}version: v1{"}"}
          - address: 127.0.0.1
            ports: {"{"}{protocol.ToLowerInvariant()}: {v2Port}{"}"}
            labels: {"{"}version: v2{"}"}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: {Name(host)}
          namespace: default
        spec:
          host: {host}
          subsets:
          - name: v1
            labels: {"{"}version: v1{"}"}
          - name: v2
            labels: {"{"}version: v2{"}"}
        """;

    private static string Name(string host) => host.Split('.')[0];
}
