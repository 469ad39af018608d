using System.Diagnostics;

namespace Mesh.SidecarBench;

/// <summary>
/// A process this run started (nginx, the silo, a sidecar): output to a log file, so a chatty
/// child never blocks on a full pipe; its whole tree killed at the end.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ChildProcess(string name, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public string Name { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>This process and its direct children (nginx: master and workers).</summary>
    public IReadOnlyList<int> Pids => [_process.Id, .. ProcFs.Children(_process.Id)];

    public double CpuSeconds() => Pids.Sum(ProcFs.CpuSeconds);

    public long Rss() => Pids.Sum(ProcFs.Rss);

    public long Pss() => Pids.Sum(ProcFs.Pss);

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, string logPath, IReadOnlyDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (key, value) in env ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        if (!process.Start()) throw new InvalidOperationException($"could not start {fileName}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(name, process, log, logPath);
    }

    /// <summary>A .NET app under the dotnet host that runs this tool (also under `dotnet run`).</summary>
    public static ChildProcess StartDotnet(string name, string dll, IEnumerable<string> arguments, string logPath, IReadOnlyDictionary<string, string>? env = null) =>
        Start(name, DotnetHost(), [dll, .. arguments], logPath, env, Path.GetDirectoryName(dll));

    public void ThrowIfExited()
    {
        if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}; see {LogPath}");
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

    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
