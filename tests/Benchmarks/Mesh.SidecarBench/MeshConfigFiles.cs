namespace Mesh.SidecarBench;

/// <summary>
/// The silo's config: two ServiceEntries on port 8080 for the same backend. one.bench.local's
/// endpoint is the backend itself (one sidecar: the client's); two.bench.local's endpoint is the
/// server sidecar's inbound port, which forwards to the backend as its --app-port (two sidecars,
/// as a pod IP reaches the server's sidecar under Istio).
/// </summary>
public static class MeshConfigFiles
{
    public const int ServicePort = 8080;
    public const string OneHost = "one.bench.local";
    public const string TwoHost = "two.bench.local";

    public static void Write(string configDir, int backendPort, int serverInboundPort)
    {
        Directory.CreateDirectory(configDir);
        File.WriteAllText(Path.Combine(configDir, "one.yaml"), ServiceEntry("one", OneHost, backendPort));
        File.WriteAllText(Path.Combine(configDir, "two.yaml"), ServiceEntry("two", TwoHost, serverInboundPort));
    }

    private static string ServiceEntry(string name, string host, int endpointPort) => $$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: {{name}}
          namespace: default
        spec:
          hosts: [{{host}}]
          location: MESH_INTERNAL
          resolution: STATIC
          ports:
          - number: {{ServicePort}}
            name: http
            protocol: HTTP
          endpoints:
          - address: 127.0.0.1
            ports: {http: {{endpointPort}}}
        """;
}
