using System.Globalization;

namespace Mesh.Interop.Tests.Infrastructure;

/// <summary>A node/backend.js gRPC server: names itself in every reply; optionally fails its first calls.</summary>
public sealed class BackendProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private BackendProcess(ChildProcess process, string name, int port)
    {
        _process = process;
        Name = name;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    public static async Task<BackendProcess> StartAsync(string name, int failFirst = 0, double failRate = 0, string failCode = "UNAVAILABLE", int delayMs = 0)
    {
        string[] args =
        [
            Path.Combine(Repo.NodeToolsDir, "backend.js"), "--name", name, "--port", "0",
            "--fail-first", failFirst.ToString(CultureInfo.InvariantCulture),
            "--fail-rate", failRate.ToString(CultureInfo.InvariantCulture),
            "--fail-code", failCode,
            "--delay-ms", delayMs.ToString(CultureInfo.InvariantCulture),
        ];
        var process = ChildProcess.Start("node", args, $"backend {name}", Repo.NodeToolsDir);
        var ready = await process.WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), stderr: false, TimeSpan.FromSeconds(20));
        if (ready is null)
        {
            var output = process.Output();
            await process.DisposeAsync();
            throw new InvalidOperationException($"backend {name} did not print READY\n{output}");
        }
        return new BackendProcess(process, name, int.Parse(ready["READY ".Length..], CultureInfo.InvariantCulture));
    }

    /// <summary>Stops the backend (stdin closed, so it exits cleanly) and returns how many calls it received.</summary>
    public async Task<int> StopAndCountAsync()
    {
        _process.CloseStdin();
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var line = await _process.WaitForLineAsync(l => l.Contains("received=", StringComparison.Ordinal), stderr: true, TimeSpan.FromSeconds(5))
            ?? throw new InvalidOperationException($"backend {Name} did not report its call count\n{_process.Output()}");
        var start = line.IndexOf("received=", StringComparison.Ordinal) + "received=".Length;
        var end = line.IndexOf(' ', start);
        return int.Parse(end < 0 ? line[start..] : line[start..end], CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
