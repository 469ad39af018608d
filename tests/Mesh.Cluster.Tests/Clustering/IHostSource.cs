namespace Mesh.Cluster.Tests.Clustering;

/// <summary>Where a scenario's hosts come from: each host i is one HTTP port 8080 with one endpoint 127.0.0.1:port.</summary>
public interface IHostSource
{
    string Host(int i);

    /// <summary>Creates or changes host i so that its one endpoint is 127.0.0.1:port.</summary>
    void Publish(string configDir, int i, int port);
}

/// <summary>ServiceEntries in the config directory all silos are given.</summary>
public sealed class ServiceEntryFiles : IHostSource
{
    public string Host(int i) => $"svc-{i:00}.mesh.local";

    public void Publish(string configDir, int i, int port) => File.WriteAllText(Path.Combine(configDir, $"svc-{i:00}.yaml"), $"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: svc-{i:00}
          namespace: default
        spec:
          hosts: [{Host(i)}]
          location: MESH_INTERNAL
          resolution: STATIC
          ports:
          - number: 8080
            name: http
            protocol: HTTP
          endpoints:
          - address: 127.0.0.1
            ports: {"{"}http: {port}{"}"}
        """);
}
