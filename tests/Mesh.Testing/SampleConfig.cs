namespace Mesh.Testing;

/// <summary>Small Istio YAML documents for silo tests; each host is distinct so tests do not interfere.</summary>
public static class SampleConfig
{
    public static string ServiceEntry(string host, uint port, params (string Address, uint Port, string Version)[] endpoints) => $"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: {host.Split('.')[0]}
          namespace: default
        spec:
          hosts: [{host}]
          location: MESH_INTERNAL
          resolution: STATIC
          ports:
          - number: {port}
            name: grpc
            protocol: GRPC
          endpoints:
        {string.Join("\n", endpoints.Select(e => $"  - address: {e.Address}\n    ports: {{grpc: {e.Port}}}\n    labels: {{version: {e.Version}}}"))}
        """;

    public static string DestinationRule(string host, params string[] subsets) => $"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: {host.Split('.')[0]}
          namespace: default
        spec:
          host: {host}
          subsets:
        {string.Join("\n", subsets.Select(s => $"  - name: {s}\n    labels: {{version: {s}}}"))}
        """;
}
