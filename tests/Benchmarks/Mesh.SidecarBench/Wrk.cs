using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Mesh.SidecarBench;

/// <summary>
/// Maximum throughput, closed loop: Debian's wrk (one thread, N keep-alive connections) as fast as
/// the path answers, with the proxies' CPU seconds (utime + stime from /proc, workers included)
/// read before and after, so the figure that compares is requests per proxy CPU second.
/// </summary>
public static partial class Wrk
{
    public const string Binary = "/usr/bin/wrk";

    public static async Task<ThroughputSample> RunAsync(BenchPath path, int connections, TimeSpan duration, CancellationToken cancel)
    {
        var cpuBefore = path.Proxies.Sum(p => p.CpuSeconds());
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-t1", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--timeout", "5s", "-H", $"Host: {path.Host}", $"http://{path.Endpoint}/" })
            info.ArgumentList.Add(a);
        using var sampler = new MemorySampler(path.Proxies);
        using var wrk = Process.Start(info) ?? throw new InvalidOperationException("could not start wrk");
        var stdout = wrk.StandardOutput.ReadToEndAsync(cancel);
        var stderr = wrk.StandardError.ReadToEndAsync(cancel);
        await wrk.WaitForExitAsync(cancel);
        var output = await stdout + await stderr;
        var cpu = path.Proxies.Sum(p => p.CpuSeconds()) - cpuBefore;
        var peaks = sampler.Peaks();

        var rps = RequestsPerSecond().Match(output) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
        var total = TotalRequests().Match(output) is { Success: true } t ? long.Parse(t.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var non2xx = Non2xx().Match(output) is { Success: true } n ? long.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var socketErrors = SocketErrors().Match(output) is { Success: true } s ? s.Groups[1].Value : "";
        return new ThroughputSample(path.Kind, rps, total, cpu, non2xx, socketErrors, peaks, wrk.ExitCode == 0 ? null : output);
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex TotalRequests();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors: ([^\n]+)")]
    private static partial Regex SocketErrors();
}

/// <summary>One closed-loop run; ProxyCpuSeconds sums every proxy on the path (two for two sidecars).</summary>
public sealed record ThroughputSample(
    PathKind Kind,
    double RequestsPerSecond,
    long Requests,
    double ProxyCpuSeconds,
    long Non2xx,
    string SocketErrors,
    IReadOnlyDictionary<string, (long Rss, long Pss)> PeakMemory,
    string? Failure)
{
    /// <summary>Requests per second of proxy CPU: throughput per core.</summary>
    public double PerProxyCpuSecond => ProxyCpuSeconds > 0 ? Requests / ProxyCpuSeconds : double.NaN;
}
