namespace Mesh.Registries.Tests.File;

/// <summary>A one-endpoint ServiceEntry document named after its host, for the file source's tests.</summary>
internal static class EntryYaml
{
    public static string Entry(string name, uint port = 80, string address = "127.0.0.1") => $$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: {{name}}, namespace: default}
        spec:
          hosts: [{{name}}.mesh.local]
          resolution: STATIC
          ports: [{number: {{port}}, name: http, protocol: HTTP}]
          endpoints: [{address: {{address}}}]
        """;
}
