using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Proxy.Health;

/// <summary>The WorkloadGroup a VM joins (--workload-group FILE, as `meshctl workload entry configure` writes it).</summary>
public static class WorkloadGroupFile
{
    public static WorkloadGroup Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (IOException e) { throw new ArgumentException($"--workload-group: cannot read {path}: {e.Message}"); }
        var parsed = ConfigParser.Parse(path, text);
        if (!parsed.IsValid) throw new ArgumentException($"--workload-group: {path}: {string.Join("; ", parsed.Errors)}");
        var groups = parsed.Objects.OfType<WorkloadGroup>().ToList();
        return groups.Count == 1
            ? groups[0]
            : throw new ArgumentException($"--workload-group: {path} must hold exactly one WorkloadGroup, found {groups.Count}");
    }
}
