namespace Mesh.XdsLoad;

/// <summary>
/// The ServiceEntries the run serves: one file per host, so an edit rewrites one small file as an
/// operator would. Files are named xdsload-NNNN.yaml and removed again at the end of the run.
/// </summary>
public sealed class ConfigFiles(string directory, int hosts)
{
    public const int Port = 8080;

    public string Directory { get; } = directory;

    public static string Host(int i) => $"svc-{i:D4}.xdsload.mesh.local";

    /// <summary>Istio's cluster name for the host's only port, which is what the edit is watched on.</summary>
    public static string Cluster(int i) => $"outbound|{Port}||{Host(i)}";

    /// <summary>The address endpoint 0 of a host gets in edit number edit: unique per edit.</summary>
    public static string EditedAddress(int edit) => $"172.16.{edit / 250}.{edit % 250 + 1}";

    public void WriteAll()
    {
        System.IO.Directory.CreateDirectory(Directory);
        for (var i = 0; i < hosts; i++) Write(i, $"10.0.{i / 250}.{i % 250 + 1}");
    }

    /// <summary>Rewrites host's file with a new address for endpoint 0 (the caller takes the time first).</summary>
    public void Edit(int host, int edit) => Write(host, EditedAddress(edit));

    public void RemoveAll()
    {
        for (var i = 0; i < hosts; i++) File.Delete(PathOf(i));
    }

    private string PathOf(int i) => Path.Combine(Directory, $"xdsload-{i:D4}.yaml");

    /// <summary>
    /// Written to a dot-file (which the silo ignores) and renamed over the target, so the silo never
    /// reads half a file and the timing is not of a rejected document.
    /// </summary>
    private void Write(int i, string address0)
    {
        var temp = Path.Combine(Directory, $".xdsload-{i:D4}.tmp");
        File.WriteAllText(temp, $"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: xdsload-{i:D4}
              namespace: default
            spec:
              hosts:
              - {Host(i)}
              location: MESH_INTERNAL
              resolution: STATIC
              ports:
              - number: {Port}
                name: http
                protocol: HTTP
              endpoints:
              - address: {address0}
                labels:
                  version: v1
              - address: 10.1.{i / 250}.{i % 250 + 1}
                labels:
                  version: v2

            """);
        File.Move(temp, PathOf(i), overwrite: true);
    }
}
