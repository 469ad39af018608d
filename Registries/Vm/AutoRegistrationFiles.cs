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
public sealed class AutoRegistrationFiles(string configDir) : IAutoRegistrationStore, IAutoRegisteredEntries
{
    public const string Folder = "autoregistered";

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

    public string Location => Directory;

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

    public static string Render(AutoRegisteredWorkload w, WorkloadHealthReport? health) =>
        $"# Written by the Mesh control plane: a VM proxy joined WorkloadGroup {w.Namespace}/{w.Group}.\n" +
        "# Removed once it has been disconnected for the grace period. Edits are overwritten.\n" +
        AutoRegisteredEntryDocument.ToYaml(AutoRegisteredEntryDocument.Build(w, health));
}
