using System.Globalization;
using System.Text;

namespace Mesh.XdsLoad;

/// <summary>
/// The ServiceEntries the run serves: one file per host, so an edit rewrites one small file as an
/// operator would. Files are named xdsload-NNNN.yaml; config edits write DestinationRules as
/// xdsload-dr-NNNN.yaml. All are removed again at the end of the run.
/// </summary>
public sealed class ConfigFiles(string directory, int hosts, int endpoints, int visible)
{
    public const int Port = 8080;

    /// <summary>Where hosts the proxies must not see live, exported only to their own namespace.</summary>
    public const string HiddenNamespace = "xdsload-hidden";

    public string Directory { get; } = directory;

    public static string Host(int i) => $"svc-{i:D4}.xdsload.mesh.local";

    /// <summary>Istio's cluster name for the host's only port, which is what the edit is watched on.</summary>
    public static string Cluster(int i) => $"outbound|{Port}||{Host(i)}";

    /// <summary>The host index of one of this run's clusters (or EDS service names), else -1; no allocation.</summary>
    public static int HostOf(string cluster)
    {
        const string prefix = "outbound|8080||svc-", suffix = ".xdsload.mesh.local";
        if (!cluster.StartsWith(prefix, StringComparison.Ordinal) || !cluster.EndsWith(suffix, StringComparison.Ordinal)) return -1;
        var digits = cluster.AsSpan(prefix.Length, cluster.Length - prefix.Length - suffix.Length);
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var host) ? host : -1;
    }

    public void WriteAll()
    {
        System.IO.Directory.CreateDirectory(Directory);
        for (var i = 0; i < hosts; i++) Write(i, $"10.0.{i / 250}.{i % 250 + 1}");
    }

    /// <summary>Rewrites host's file with endpoint 0 at the address of change seq (the caller takes the time first).</summary>
    public void Edit(int host, int seq) => Write(host, StateCodes.Address(seq));

    /// <summary>
    /// Writes (or rewrites) the host's DestinationRule with maxConnections = seq: the host's Cluster
    /// changes, so every proxy gets it over CDS.
    /// </summary>
    public void EditConfig(int host, int seq) => Atomically(DestinationRulePath(host), $"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: xdsload-dr-{host:D4}
          namespace: default
        spec:
          host: {Host(host)}
          trafficPolicy:
            connectionPool:
              tcp:
                maxConnections: {seq}

        """);

    public void RemoveAll()
    {
        for (var i = 0; i < hosts; i++)
        {
            File.Delete(PathOf(i));
            File.Delete(DestinationRulePath(i));
        }
    }

    private string PathOf(int i) => Path.Combine(Directory, $"xdsload-{i:D4}.yaml");

    private string DestinationRulePath(int i) => Path.Combine(Directory, $"xdsload-dr-{i:D4}.yaml");

    private void Write(int i, string address0)
    {
        var text = new StringBuilder($"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: xdsload-{i:D4}
              namespace: {(i < visible ? "default" : HiddenNamespace)}
            spec:
              hosts:
              - {Host(i)}
              exportTo:
              - "{(i < visible ? "*" : ".")}"
              location: MESH_INTERNAL
              resolution: STATIC
              ports:
              - number: {Port}
                name: http
                protocol: HTTP
              endpoints:

            """);
        // Endpoint 0 carries the change; the others are fixed, 10.k.x.y with k the endpoint's number.
        for (var k = 0; k < endpoints; k++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - address: {(k == 0 ? address0 : $"10.{k}.{i / 250}.{i % 250 + 1}")}\n");
            text.Append(CultureInfo.InvariantCulture, $"    labels:\n      version: v{k % 2 + 1}\n");
        }
        Atomically(PathOf(i), text.ToString());
    }

    /// <summary>
    /// Written to a dot-file (which the silo ignores) and renamed over the target, so the silo never
    /// reads half a file and the timing is not of a rejected document.
    /// </summary>
    private void Atomically(string path, string text)
    {
        var temp = Path.Combine(Directory, "." + Path.GetFileNameWithoutExtension(path) + ".tmp");
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
