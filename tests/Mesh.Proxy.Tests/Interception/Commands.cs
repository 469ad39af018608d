using System.Diagnostics;

namespace Mesh.Proxy.Tests.Interception;

/// <summary>Runs the host's networking tools (ip, iptables, curl) as real processes.</summary>
internal static class Commands
{
    public sealed record Result(int Code, string Output, string Error);

    public static async Task<Result> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }

    public static async Task<string> CheckedAsync(string file, params string[] args)
    {
        var result = await RunAsync(file, args);
        if (result.Code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {result.Code}: {result.Error}{result.Output}");
        return result.Output;
    }

    public static string? Which(string file) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, file)).FirstOrDefault(File.Exists);
}
