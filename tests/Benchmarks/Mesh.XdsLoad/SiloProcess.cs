using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mesh.XdsLoad;

/// <summary>
/// The silo as a child process (--start-silo): free loopback ports, output to a log file (so a
/// chatty silo never blocks on a full pipe), ready when GET /ready is 200, killed at the end.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private SiloProcess(Process process, StreamWriter log, IPEndPoint xds, IPEndPoint http, string logPath)
    {
        _process = process;
        _log = log;
        Xds = xds;
        Http = http;
        LogPath = logPath;
    }

    public IPEndPoint Xds { get; }

    public IPEndPoint Http { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static SiloProcess Start(string siloDll, string configDir, string logPath, IEnumerable<string>? extraArgs = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var ports = FreeLoopbackPorts(4);
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(siloDll))!,
        };
        info.ArgumentList.Add(Path.GetFullPath(siloDll));
        // GC settings given to this tool (DOTNET_GCgen0size for its own pauses) are not the silo's: it runs with its own.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("COMPlus_GC", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        foreach (var (flag, value) in new[] { ("config-dir", configDir) }
            .Concat(new[] { "xds-port", "http-port", "silo-port", "gateway-port" }.Select((f, i) => (f, ports[i].ToString(CultureInfo.InvariantCulture)))))
        {
            info.ArgumentList.Add("--" + flag);
            info.ArgumentList.Add(value);
        }
        foreach (var arg in extraArgs ?? []) info.ArgumentList.Add(arg);
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        if (!process.Start()) throw new InvalidOperationException($"could not start {info.FileName} {siloDll}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SiloProcess(process, log, new IPEndPoint(IPAddress.Loopback, ports[0]), new IPEndPoint(IPAddress.Loopback, ports[1]), logPath);
    }

    public async Task WaitReadyAsync(SiloHttp http, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the silo exited with {_process.ExitCode} before /ready; see {LogPath}");
            if (await http.ReadyAsync()) return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"the silo was not ready within {timeout.TotalSeconds:0} s; see {LogPath}");
    }

    /// <summary>VmRSS and VmHWM (peak) from /proc, in bytes; null where /proc is not there.</summary>
    public (long Rss, long Peak)? Memory()
    {
        var status = $"/proc/{_process.Id}/status";
        if (!File.Exists(status)) return null;
        long Field(string name) => File.ReadLines(status)
            .Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))
            .Select(l => long.Parse(l[(name.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024)
            .FirstOrDefault();
        return (Field("VmRSS"), Field("VmHWM"));
    }

    /// <summary>User + system CPU the silo has used so far (from /proc on Linux).</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>SIGKILL, as a crash: the cluster learns of it by probing.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    private static void Append(StreamWriter log, string? line)
    {
        if (line is null) return;
        lock (log)
        {
            try { log.WriteLine(line); }
            catch (ObjectDisposedException) { }
        }
    }

    /// <summary>The dotnet host that runs this tool (also under `dotnet run`), else dotnet on PATH.</summary>
    internal static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    internal static int[] FreeLoopbackPorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners) l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
    }
}
