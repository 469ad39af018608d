using System.Diagnostics;
using System.Globalization;

namespace Mesh.SidecarBench;

/// <summary>
/// The whole run: start everything, one discarded pass per path, then latency rounds with the paths
/// interleaved (A B C D A B C D ...) so whatever else the machine is doing hits all paths alike,
/// then one closed-loop throughput run per path. Memory: idle once every path answers, peak over all runs.
/// </summary>
public static class BenchRun
{
    public static async Task<BenchReport> RunAsync(BenchOptions options, TextWriter progress, CancellationToken cancel)
    {
        var dir = options.LogDir is { } d ? Directory.CreateDirectory(d).FullName : Directory.CreateTempSubdirectory("sidecar-bench-").FullName;
        var report = new BenchReport(options, ProcFs.LoadAverage(), DateTime.UtcNow);
        if (!Pacer.Precise) report.Failures.Add("no clock_nanosleep on this platform: pacing falls back to millisecond sleeps");
        try
        {
            using var topology = await Topology.StartAsync(options, dir, progress, cancel);
            foreach (var p in topology.Proxies) report.IdleMemory[p.Name] = (p.Rss(), p.Pss());
            using var peakSampler = new MemorySampler(topology.Proxies);

            foreach (var path in topology.Paths)
            {
                await progress.WriteLineAsync($"warm-up pass (discarded): {path.Name}");
                var request = HttpConnection.Get(path.Host, "/");
                await Task.Run(() => OpenLoop.Run(path.Endpoint, request, options.PayloadBytes, options.Rate, options.Connections, options.Warmup, TimeSpan.FromSeconds(2), cancel), cancel);
            }

            for (var round = 1; round <= options.Rounds; round++)
            {
                foreach (var path in topology.Paths)
                {
                    cancel.ThrowIfCancellationRequested();
                    var load = ProcFs.LoadAverage();
                    var request = HttpConnection.Get(path.Host, "/");
                    var cpuBefore = path.Proxies.Sum(p => p.CpuSeconds());
                    var started = Stopwatch.GetTimestamp();
                    var sample = await Task.Run(() => OpenLoop.Run(path.Endpoint, request, options.PayloadBytes, options.Rate, options.Connections, options.Warmup, options.Measured, cancel), cancel);
                    // CPU over the whole run (warm-up included) per second: Istio's "vCPU per 1,000 rps" at the default rate.
                    var vcpu = (path.Proxies.Sum(p => p.CpuSeconds()) - cpuBefore) / Stopwatch.GetElapsedTime(started).TotalSeconds;
                    report.Latency.Add(new RoundSample(round, path.Kind, load, sample, vcpu));
                    await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"round {round} {path.Name,-16} load {load}: p50 {sample.Latency.P50:0} µs, p90 {sample.Latency.P90:0}, p99 {sample.Latency.P99:0}, max {sample.Latency.Max:0}; errors {sample.Errors}/{sample.Requests}; proxy vCPU {vcpu:0.000}"));
                }
            }

            if (options.Throughput > TimeSpan.Zero)
            {
                foreach (var path in topology.Paths)
                {
                    var load = ProcFs.LoadAverage();
                    var sample = await Wrk.RunAsync(path, options.ThroughputConnections, options.Throughput, cancel);
                    report.Throughput.Add((load, sample));
                    if (sample.Failure is not null) report.Failures.Add($"wrk on {path.Name}: {sample.Failure}");
                    await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"throughput {path.Name,-16} load {load}: {sample.RequestsPerSecond:0} rps, proxy CPU {sample.ProxyCpuSeconds:0.00} s, {sample.PerProxyCpuSecond:0} requests per proxy CPU second"));
                }
            }
            foreach (var (name, peak) in peakSampler.Peaks()) report.PeakMemory[name] = peak;
            foreach (var (_, sample) in report.Throughput)
                foreach (var (name, peak) in sample.PeakMemory)
                    report.PeakMemory[name] = (Math.Max(report.PeakMemory.GetValueOrDefault(name).Rss, peak.Rss), Math.Max(report.PeakMemory.GetValueOrDefault(name).Pss, peak.Pss));
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            report.Failures.Add(ex.Message);
        }
        report.LoadAtEnd = ProcFs.LoadAverage();
        report.LogDir = dir;
        return report;
    }
}
