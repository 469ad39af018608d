using System.CommandLine;
using System.Globalization;
using System.Text;
using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Cli.Commands;

/// <summary>
/// `meshctl workload entry configure -f workloadgroup.yaml -o DIR`, istioctl's command of the same
/// name: the files a VM needs to join the mesh as a member of a WorkloadGroup.
/// </summary>
public static class WorkloadCommand
{
    public const string TokenFile = "bootstrap-token";
    public const string EnvFile = "mesh-proxy.env";
    public const string GroupFile = "workloadgroup.yaml";
    public const string RootCertFile = "root-cert.pem";

    public static Command Create()
    {
        var file = new Option<FileInfo>("--file", "-f") { Description = "The WorkloadGroup YAML the VM joins.", Required = true };
        var dir = new Option<DirectoryInfo>("--output", "-o") { Description = "Directory to write the VM's files to (created if missing).", Required = true };
        var controlPlane = CommonOptions.ControlPlane();
        var xds = new Option<string?>("--xds-address") { Description = "The address VMs reach the control plane's xDS port at (default: the control plane's host, port 15010)." };
        var ttl = new Option<string>("--ttl") { Description = "How long the bootstrap token is valid: 90s, 30m, 24h, 1h30m.", DefaultValueFactory = _ => "24h" };
        var vmDir = new Option<string>("--vm-dir") { Description = "Where the files will live on the VM (paths in mesh-proxy.env).", DefaultValueFactory = _ => "/etc/mesh" };

        var configure = new Command("configure", "Write a VM's bootstrap files: token, proxy environment, the WorkloadGroup (and root certificate once there is a CA).")
        {
            file, dir, controlPlane, xds, ttl, vmDir,
        };
        configure.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await error.WriteLineAsync($"meshctl: {path.FullName} does not exist");
                return 1;
            }
            var text = await File.ReadAllTextAsync(path.FullName, cancel);
            var parsed = ConfigParser.Parse(path.Name, text);
            var groups = parsed.Objects.OfType<WorkloadGroup>().ToList();
            if (!parsed.IsValid || groups.Count != 1)
            {
                foreach (var e in parsed.Errors) await error.WriteLineAsync(e.ToString());
                await error.WriteLineAsync($"meshctl: {path.Name} must hold exactly one valid WorkloadGroup");
                return 1;
            }
            if (!TryParseDuration(parse.GetValue(ttl)!, out var lifetime))
            {
                await error.WriteLineAsync($"meshctl: --ttl: invalid duration \"{parse.GetValue(ttl)}\"");
                return 1;
            }

            var group = groups[0];
            var address = parse.GetValue(controlPlane)!;
            var token = await CommonOptions.Client(address).IssueWorkloadTokenAsync(group.Meta.Namespace, group.Meta.Name, lifetime, cancel);
            var target = parse.GetValue(dir)!;
            target.Create();
            var files = new List<string>();

            await File.WriteAllTextAsync(Path.Combine(target.FullName, GroupFile), text, cancel);
            files.Add(GroupFile);
            WriteSecret(Path.Combine(target.FullName, TokenFile), token.Token + "\n");
            files.Add(TokenFile);
            var remote = parse.GetValue(vmDir)!.TrimEnd('/');
            var xdsAddress = parse.GetValue(xds) ?? $"{new Uri(address).Host}:15010";
            await File.WriteAllTextAsync(Path.Combine(target.FullName, EnvFile), Env(group, xdsAddress, remote), cancel);
            files.Add(EnvFile);
            if (token.RootCertificate is { Length: > 0 } root)
            {
                await File.WriteAllTextAsync(Path.Combine(target.FullName, RootCertFile), root, cancel);
                files.Add(RootCertFile);
            }

            await output.WriteLineAsync($"Wrote {string.Join(", ", files)} to {target.FullName}");
            await output.WriteLineAsync($"WorkloadGroup {group.Meta.Namespace}/{group.Meta.Name}; bootstrap token valid until {token.ExpiresAt:u}.");
            if (token.RootCertificate is null)
                await output.WriteLineAsync($"No {RootCertFile}: the control plane has no CA yet, so xDS is plaintext on {xdsAddress}.");
            await output.WriteLineAsync($"On the VM: copy the files to {remote}, then run: set -a; . {remote}/{EnvFile}; set +a; mesh-proxy");
            return 0;
        });

        var entry = new Command("entry", "WorkloadEntries for VMs.") { configure };
        return new Command("workload", "VMs and other workloads outside Kubernetes.") { entry };
    }

    /// <summary>mesh-proxy's settings for the VM, as MESH_* variables (the proxy reads each flag from one).</summary>
    public static string Env(WorkloadGroup group, string xdsAddress, string vmDir)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in group.Spec.Metadata.Labels.Concat(group.Spec.Template.Labels)) labels[k] = v;
        var env = new StringBuilder();
        env.Append("# mesh-proxy settings for VMs of WorkloadGroup ").Append(group.Meta.Namespace).Append('/').Append(group.Meta.Name).Append(".\n");
        env.Append("MESH_XDS_ADDRESS=").Append(xdsAddress).Append('\n');
        env.Append("MESH_NAMESPACE=").Append(group.Meta.Namespace).Append('\n');
        env.Append("MESH_SERVICE_ACCOUNT=").Append(group.Spec.Template.ServiceAccount ?? "default").Append('\n');
        env.Append("MESH_LABELS=").Append(string.Join(',', labels.Select(kv => $"{kv.Key}={kv.Value}"))).Append('\n');
        env.Append("MESH_WORKLOAD_GROUP=").Append(vmDir).Append('/').Append(GroupFile).Append('\n');
        env.Append("MESH_BOOTSTRAP_TOKEN_FILE=").Append(vmDir).Append('/').Append(TokenFile).Append('\n');
        env.Append("# The address the VM registers with; the proxy's default is 127.0.0.1, which peers cannot reach.\n");
        env.Append("# MESH_IP=<this VM's address>\n");
        return env.ToString();
    }

    /// <summary>Go-style durations as istioctl takes them: 90s, 30m, 24h, 1h30m.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var i = 0;
        if (text.Length == 0) return false;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start || i == text.Length) return false;
            var n = long.Parse(text[start..i], CultureInfo.InvariantCulture);
            duration += text[i++] switch
            {
                'h' => TimeSpan.FromHours(n),
                'm' => TimeSpan.FromMinutes(n),
                's' => TimeSpan.FromSeconds(n),
                'd' => TimeSpan.FromDays(n),
                _ => TimeSpan.MinValue,
            };
            if (duration < TimeSpan.Zero) return false;
        }
        return duration > TimeSpan.Zero;
    }

    private static void WriteSecret(string path, string content)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        stream.Write(Encoding.ASCII.GetBytes(content));
    }
}
