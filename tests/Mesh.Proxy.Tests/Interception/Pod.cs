using System.Diagnostics;
using System.Net;
using System.Text;

namespace Mesh.Proxy.Tests.Interception;

/// <summary>
/// A Kubernetes pod's network, made by the test: a network namespace joined to the host by a veth
/// pair (host side .1, pod side .2 of a /30 in 169.254/16) with its default route via the host, and
/// a real mesh-proxy process inside it running with gid 1337 (the owner the iptables rules exempt).
/// </summary>
internal sealed class Pod : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly StringBuilder _log = new();

    private Pod(string name, string hostVeth, IPAddress hostAddress, IPAddress podAddress)
    {
        Name = name;
        HostVeth = hostVeth;
        HostAddress = hostAddress;
        PodAddress = podAddress;
    }

    public string Name { get; }
    public string HostVeth { get; }
    public IPAddress HostAddress { get; }
    public IPAddress PodAddress { get; }

    public string ProxyLog
    {
        get { lock (_log) return _log.ToString(); }
    }

    public static async Task<Pod> CreateAsync()
    {
        var id = $"{Environment.ProcessId % 10000}{Random.Shared.Next(1000):D3}";
        var subnet = Random.Shared.Next(1, 63) * 4;
        var third = Random.Shared.Next(100, 250);
        var host = IPAddress.Parse($"169.254.{third}.{subnet + 1}");
        var pod = new Pod($"mesh-t{id}", $"mh{id}", host, IPAddress.Parse($"169.254.{third}.{subnet + 2}"));
        await Commands.CheckedAsync("ip", "netns", "add", pod.Name);
        await Commands.CheckedAsync("ip", "link", "add", pod.HostVeth, "type", "veth", "peer", "name", $"mp{id}");
        await Commands.CheckedAsync("ip", "link", "set", $"mp{id}", "netns", pod.Name);
        await Commands.CheckedAsync("ip", "addr", "add", $"{host}/30", "dev", pod.HostVeth);
        await Commands.CheckedAsync("ip", "link", "set", pod.HostVeth, "up");
        await pod.ExecCheckedAsync("ip", "link", "set", "lo", "up");
        await pod.ExecCheckedAsync("ip", "link", "set", $"mp{id}", "name", "eth0");
        await pod.ExecCheckedAsync("ip", "addr", "add", $"{pod.PodAddress}/30", "dev", "eth0");
        await pod.ExecCheckedAsync("ip", "link", "set", "eth0", "up");
        await pod.ExecCheckedAsync("ip", "route", "add", "default", "via", host.ToString());
        return pod;
    }

    public Task<Commands.Result> ExecAsync(string file, params string[] args) => Commands.RunAsync("ip", ["netns", "exec", Name, file, .. args]);

    public Task<string> ExecCheckedAsync(string file, params string[] args) => Commands.CheckedAsync("ip", ["netns", "exec", Name, file, .. args]);

    /// <summary>Starts mesh-proxy inside the pod as the exempt group (uid stays root, as istio-proxy's gid 1337 suffices).</summary>
    public void StartProxy(params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", Name, "setpriv", "--regid", "1337", "--clear-groups", "--", "dotnet", MeshProxy.Dll }.Concat(args))
            start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync();
            process.Dispose();
        }
        // Deleting the namespace removes its rules and its veth end; the host end goes with its peer.
        await Commands.RunAsync("ip", "netns", "del", Name);
        await Commands.RunAsync("ip", "link", "del", HostVeth);
    }
}

/// <summary>The built mesh-proxy next to this test assembly's configuration (Debug or Release).</summary>
internal static class MeshProxy
{
    public static string Dll { get; } = Find();

    private static string Find()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var framework = bin.Name;
        var configuration = bin.Parent!.Name;
        for (var dir = bin; dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) continue;
            var dll = Path.Combine(dir.FullName, "Proxy", "Mesh.Proxy.Host", "bin", configuration, framework, "mesh-proxy.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("mesh-proxy is not built", dll);
        }
        throw new DirectoryNotFoundException($"no Mesh.sln above {AppContext.BaseDirectory}");
    }
}
