namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>Istio YAML for the end-to-end tests: an HTTP ServiceEntry on port 8080 with v1/v2 endpoints, subsets, routes.</summary>
public static class MeshConfig
{
    public const int ServicePort = 8080;

    public static string Service(string host, Backend v1, Backend v2) => Service(host, v1.Port, v2.Port);

    /// <summary>
    /// An HTTP (or GRPC) ServiceEntry on port 8080 with v1/v2 endpoints on the given ports, and v1/v2
    /// subsets. With two sidecars the ports are the server sidecars' inbound ports (not the apps'),
    /// as a pod IP's port reaches the sidecar under Istio.
    /// </summary>
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
          - number: {ServicePort}
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

    public static string Split(string host, int v1Weight, int v2Weight) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: {Name(host)}
          namespace: default
        spec:
          hosts: [{host}]
          http:
          - route:
            - destination: {"{"}host: {host}, subset: v1{"}"}
              weight: {v1Weight}
            - destination: {"{"}host: {host}, subset: v2{"}"}
              weight: {v2Weight}
        """;

    public static string Only(string host, string subset) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: {Name(host)}
          namespace: default
        spec:
          hosts: [{host}]
          http:
          - route:
            - destination: {"{"}host: {host}, subset: {subset}{"}"}
        """;

    /// <summary>end-user: jason goes to v2, everyone else to v1 (Istio's bookinfo rule).</summary>
    public static string HeaderRoute(string host) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: {Name(host)}
          namespace: default
        spec:
          hosts: [{host}]
          http:
          - match:
            - headers:
                end-user:
                  exact: jason
            route:
            - destination: {"{"}host: {host}, subset: v2{"}"}
          - route:
            - destination: {"{"}host: {host}, subset: v1{"}"}
        """;

    private static string Name(string host) => host.Split('.')[0];
}
