using System.Globalization;

namespace Mesh.SidecarBench;

/// <param name="ProxyVcpu">CPU seconds per second of the proxies on the path during the run (vCPU at the run's rate).</param>
public sealed record RoundSample(int Round, PathKind Kind, string LoadAverage, LatencySample Sample, double ProxyVcpu);

/// <summary>The figures, printed as the Markdown tables docs/benchmarks.md carries.</summary>
public sealed class BenchReport(BenchOptions options, string loadAtStart, DateTime startedUtc)
{
    private static readonly string[] PercentileNames = ["p50", "p90", "p99", "p99.9", "max"];

    public List<RoundSample> Latency { get; } = [];
    public List<(string LoadAverage, ThroughputSample Sample)> Throughput { get; } = [];
    public Dictionary<string, (long Rss, long Pss)> IdleMemory { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, (long Rss, long Pss)> PeakMemory { get; } = new(StringComparer.Ordinal);
    public List<string> Failures { get; } = [];
    public string LoadAtEnd { get; set; } = "";
    public string LogDir { get; set; } = "";

    public void Print(TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        o.WriteLine();
        o.WriteLine(string.Create(c, $"Run {startedUtc:yyyy-MM-dd HH:mm} UTC, nproc {Environment.ProcessorCount}, {ProcFs.CpuModel()}; load average {loadAtStart} at start, {LoadAtEnd} at end."));
        o.WriteLine(string.Create(c, $"Open loop: {options.Rate} rps, {options.Connections} keep-alive HTTP/1.1 connections, GET without body, {options.PayloadBytes}-byte response, {options.Warmup.TotalSeconds:0} s warm-up discarded + {options.Measured.TotalSeconds:0} s measured, {options.Rounds} interleaved rounds; latency from each request's scheduled send time, in µs."));
        if (options.SidecarEnv.Count > 0) o.WriteLine("Sidecar environment: " + string.Join(", ", options.SidecarEnv.Select(kv => $"{kv.Key}={kv.Value}")));
        o.WriteLine();

        var kinds = Latency.Select(l => l.Kind).Distinct().ToList();
        if (kinds.Count > 0)
        {
            o.WriteLine("| path (median of rounds) | p50 | p90 | p99 | p99.9 | max | errors | added p50 | added p90 | added p99 | added p90 / nginx's | proxy vCPU |");
            o.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var kind in kinds)
            {
                var rounds = Latency.Where(l => l.Kind == kind).ToList();
                var cells = Enumerable.Range(0, 5).Select(i => Median(rounds.Select(r => r.Sample.Latency[i])).ToString("0", c));
                var errors = $"{rounds.Sum(r => r.Sample.Errors)}/{rounds.Sum(r => r.Sample.Requests)}";
                var added = Enumerable.Range(0, 3).Select(i => Added(kind, i)).ToArray();
                var nginx = Added(PathKind.Nginx, 1);
                // A ratio to a non-positive nginx overhead (noise larger than nginx's hop) means nothing.
                var ratio = kind is PathKind.Direct or PathKind.Nginx || !(nginx > 0) ? "" : (added[1] / nginx).ToString("0.0", c) + "×";
                var vcpu = kind == PathKind.Direct ? "" : Median(rounds.Select(r => r.ProxyVcpu)).ToString("0.000", c);
                o.WriteLine($"| {Name(kind)} | {string.Join(" | ", cells)} | {errors} | {string.Join(" | ", added.Select(a => kind == PathKind.Direct ? "" : a.ToString("+0;-0", c)))} | {ratio} | {vcpu} |");
            }
            o.WriteLine();
            o.WriteLine("Added = the median over rounds of (path − direct) in the same round. Proxy vCPU = CPU seconds per second of the proxies on the path during the run (Istio quotes vCPU per 1,000 rps).");
            o.WriteLine();
            o.WriteLine("| round | path | load avg | p50 | p90 | p99 | p99.9 | max | service p50 | service p90 | pacer lag p50 / p99 | errors |");
            o.WriteLine("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in Latency)
            {
                var s = r.Sample;
                o.WriteLine(string.Create(c,
                    $"| {r.Round} | {Name(r.Kind)} | {r.LoadAverage} | {s.Latency.P50:0} | {s.Latency.P90:0} | {s.Latency.P99:0} | {s.Latency.P999:0} | {s.Latency.Max:0} | {s.Service.P50:0} | {s.Service.P90:0} | {s.PacerLag.P50:0} / {s.PacerLag.P99:0} | {s.Errors} |"));
            }
            foreach (var r in Latency.Where(r => r.Sample.ErrorKinds.Count > 0))
                o.WriteLine($"round {r.Round} {Name(r.Kind)} errors: " + string.Join("; ", r.Sample.ErrorKinds.Select(kv => $"{kv.Value}× {kv.Key}")));
            o.WriteLine();
        }

        if (Throughput.Count > 0)
        {
            var nginx = Throughput.FirstOrDefault(t => t.Sample.Kind == PathKind.Nginx).Sample?.PerProxyCpuSecond ?? double.NaN;
            o.WriteLine(string.Create(c, $"Closed loop: wrk -t1 -c{options.ThroughputConnections} -d{options.Throughput.TotalSeconds:0}s; proxy CPU = utime + stime of every proxy process on the path (nginx master + worker; both sidecars on the two-sidecar path)."));
            o.WriteLine();
            o.WriteLine("| path | load avg | requests/s | proxy CPU s | requests per proxy CPU s | vs nginx | non-2xx | socket errors |");
            o.WriteLine("|---|---|---:|---:|---:|---:|---:|---|");
            foreach (var (load, t) in Throughput)
            {
                var ratio = t.Kind is PathKind.OneSidecar or PathKind.TwoSidecars ? (t.PerProxyCpuSecond / nginx).ToString("0.00", c) + "×" : "";
                o.WriteLine(string.Create(c,
                    $"| {Name(t.Kind)} | {load} | {t.RequestsPerSecond:0} | {t.ProxyCpuSeconds:0.00} | {(double.IsNaN(t.PerProxyCpuSecond) ? "" : t.PerProxyCpuSecond.ToString("0", c))} | {ratio} | {t.Non2xx} | {t.SocketErrors.Trim()} |"));
            }
            o.WriteLine();
        }

        if (IdleMemory.Count > 0)
        {
            o.WriteLine("| process | idle VmRSS | idle PSS | peak VmRSS under load | peak PSS under load |");
            o.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var (name, idle) in IdleMemory)
            {
                var peak = PeakMemory.GetValueOrDefault(name);
                o.WriteLine($"| {name} | {Mb(idle.Rss)} | {Mb(idle.Pss)} | {Mb(peak.Rss)} | {Mb(peak.Pss)} |");
            }
            o.WriteLine();
            o.WriteLine("nginx: master + worker summed (VmRSS counts their shared pages twice; PSS divides them).");
        }

        o.WriteLine($"Logs and generated configs: {LogDir}");
        foreach (var f in Failures) o.WriteLine($"FAILURE: {f}");
    }

    private double Added(PathKind kind, int percentile)
    {
        var diffs = Latency.Where(l => l.Kind == kind)
            .Select(l => (l, direct: Latency.FirstOrDefault(d => d.Kind == PathKind.Direct && d.Round == l.Round)))
            .Where(x => x.direct is not null)
            .Select(x => x.l.Sample.Latency[percentile] - x.direct!.Sample.Latency[percentile]);
        return Median(diffs);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    private static string Name(PathKind kind) => kind switch
    {
        PathKind.Direct => "direct",
        PathKind.Nginx => "nginx (1 worker)",
        PathKind.OneSidecar => "one sidecar",
        _ => "two sidecars",
    };
}
