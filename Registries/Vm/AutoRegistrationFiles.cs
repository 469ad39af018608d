using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Mesh.Api.Model;
using Mesh.Api.Yaml;
using Mesh.Grains.Abstractions;

namespace Mesh.Registries.Vm;

/// <summary>
/// Auto-registered WorkloadEntries as YAML files in &lt;config-dir&gt;/autoregistered, the way Istio keeps
/// them in the API server: the file source serves them like any other entry (so ServiceEntry
/// workloadSelectors select them), they survive a control plane restart, and users see them with
/// `ls` and `meshctl analyze`. One file per entry, named after it, so a reconnect rewrites it.
/// </summary>
public sealed class AutoRegistrationFiles(string configDir) : IAutoRegistrationStore
{
    public const string Folder = "autoregistered";

    private static readonly JsonSerializerOptions Quote = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string Directory { get; } = Path.Combine(configDir, Folder);

    public string PathOf(string ns, string name) => Path.Combine(Directory, $"{ns}-{name}.yaml");

    /// <summary>Istio's name for an auto-registered entry: the group's name and the address, dots as dashes.</summary>
    public static string EntryName(string group, string address) =>
        $"{group}-{address.Replace('.', '-').Replace(':', '-')}";

    public async Task WriteAsync(AutoRegisteredWorkload workload, WorkloadHealthReport? health)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathOf(workload.Namespace, workload.Name);
        // Written under a dot-name the file source ignores, then renamed: it never reads half a file.
        var temp = Path.Combine(Directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        await System.IO.File.WriteAllTextAsync(temp, Render(workload, health));
        System.IO.File.Move(temp, path, overwrite: true);
    }

    public Task DeleteAsync(string ns, string name)
    {
        System.IO.File.Delete(PathOf(ns, name));
        return Task.CompletedTask;
    }

    public async Task<WorkloadHealthReport?> ReadHealthAsync(string ns, string name)
    {
        var path = PathOf(ns, name);
        if (!System.IO.File.Exists(path)) return null;
        var entry = ConfigParser.Parse(path, await System.IO.File.ReadAllTextAsync(path)).Objects.OfType<WorkloadEntry>().FirstOrDefault();
        return entry?.Health is { } h ? new WorkloadHealthReport(h.Healthy, h.Message, h.LastProbeTime ?? DateTimeOffset.UnixEpoch) : null;
    }

    /// <summary>The entries on disk (namespace, name), read from the files rather than guessed from their names.</summary>
    public async Task<IReadOnlyList<(string Namespace, string Name)>> ListAsync()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        var entries = new List<(string, string)>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.yaml").Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            var parsed = ConfigParser.Parse(file, await System.IO.File.ReadAllTextAsync(file));
            entries.AddRange(parsed.Objects.OfType<WorkloadEntry>().Select(e => (e.Meta.Namespace, e.Meta.Name)));
        }
        return entries;
    }

    public static string Render(AutoRegisteredWorkload w, WorkloadHealthReport? health)
    {
        var y = new StringBuilder();
        y.Append("# Written by the Mesh control plane: a VM proxy joined WorkloadGroup ").Append(w.Namespace).Append('/').Append(w.Group).Append(".\n");
        y.Append("# Removed once it has been disconnected for the grace period. Edits are overwritten.\n");
        y.Append("apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata:\n");
        y.Append("  name: ").Append(Q(w.Name)).Append('\n');
        y.Append("  namespace: ").Append(Q(w.Namespace)).Append('\n');
        Map(y, "  ", "labels", w.Labels);
        Map(y, "  ", "annotations", w.Annotations);
        y.Append("spec:\n");
        y.Append("  address: ").Append(Q(w.Address)).Append('\n');
        Map(y, "  ", "labels", w.Labels);
        if (w.Ports.Count > 0)
        {
            y.Append("  ports:\n");
            foreach (var (name, port) in w.Ports.OrderBy(p => p.Key, StringComparer.Ordinal)) y.Append("    ").Append(Q(name)).Append(": ").Append(port).Append('\n');
        }
        if (w.Network is { } network) y.Append("  network: ").Append(Q(network)).Append('\n');
        if (w.Locality is { } locality) y.Append("  locality: ").Append(Q(locality)).Append('\n');
        if (w.Weight is { } weight) y.Append("  weight: ").Append(weight).Append('\n');
        if (w.ServiceAccount is { } sa) y.Append("  serviceAccount: ").Append(Q(sa)).Append('\n');
        if (health is not null)
        {
            y.Append("status:\n  conditions:\n  - type: Healthy\n");
            y.Append("    status: ").Append(health.Healthy ? "\"True\"" : "\"False\"").Append('\n');
            y.Append("    lastProbeTime: ").Append(Q(health.At.ToUniversalTime().ToString("O"))).Append('\n');
            if (!string.IsNullOrEmpty(health.Message)) y.Append("    message: ").Append(Q(health.Message)).Append('\n');
        }
        return y.ToString();
    }

    private static void Map(StringBuilder y, string indent, string field, IReadOnlyDictionary<string, string> values)
    {
        if (values.Count == 0) return;
        y.Append(indent).Append(field).Append(":\n");
        foreach (var (key, value) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            y.Append(indent).Append("  ").Append(Q(key)).Append(": ").Append(Q(value)).Append('\n');
    }

    // JSON strings are YAML double-quoted scalars: no value can break the document's structure.
    private static string Q(string value) => JsonSerializer.Serialize(value, Quote);
}
