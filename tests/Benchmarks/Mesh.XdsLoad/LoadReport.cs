using System.Globalization;

namespace Mesh.XdsLoad;

/// <summary>What a run measured, printed as a small plain-text report.</summary>
public sealed class LoadReport(LoadOptions options)
{
    public string Silo { get; set; } = "";
    public TimeSpan? Loaded { get; set; }
    public List<TimeSpan> Connects { get; } = [];
    public TimeSpan? ConnectAll { get; set; }
    public List<(TimeSpan First, TimeSpan Last)> Edits { get; } = [];
    public List<string> Failures { get; } = [];

    /// <summary>The silo killed, how many proxies it held, and per proxy kill → full config again on a survivor.</summary>
    public (int Silo, int Proxies, List<TimeSpan> Back)? Kill { get; set; }
    public List<(string When, string Memory)> Memory { get; } = [];

    /// <summary>CPU used per phase by the silo (when this run started it) and by this tool, which share the machine.</summary>
    public List<(string Phase, TimeSpan? Silo, TimeSpan Self, long Responses)> Cpu { get; } = [];

    public void Print(TextWriter o)
    {
        o.WriteLine($"Mesh xDS load: {options.Proxies} proxies (ADS SotW, CDS wildcard + EDS) over {options.Silos} silo(s), {options.Hosts} hosts x 2 endpoints, {options.Edits} edits after {options.Warmup} warm-up edits");
        o.WriteLine($"silo: {Silo}");
        o.WriteLine($"machine: {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, .NET {Environment.Version}");
        if (Loaded is { } loaded) o.WriteLine($"files written -> probe proxy holds all {options.Hosts} hosts: {Ms(loaded)}");
        if (Connects.Count > 0)
        {
            o.WriteLine($"connect -> first full config ({options.Proxies} proxies connecting at once), per proxy:");
            o.WriteLine($"  {Summary(Connects)}; all proxies done after {Ms(ConnectAll!.Value)}");
        }
        if (Edits.Count > 0)
        {
            o.WriteLine($"edit (file write) -> new ClusterLoadAssignment received, over {Edits.Count} edits:");
            o.WriteLine($"  by every proxy:  {Summary([.. Edits.Select(e => e.Last)])}");
            o.WriteLine($"  by first proxy:  {Summary([.. Edits.Select(e => e.First)])}");
        }
        if (Kill is { } kill)
        {
            o.WriteLine($"kill -9 silo {kill.Silo} ({kill.Proxies} proxies on it) -> each back on a survivor with its full config:");
            o.WriteLine($"  {Summary(kill.Back)}");
        }
        foreach (var (phase, silo, self, responses) in Cpu)
            o.WriteLine($"CPU {phase}: silo {(silo is { } t ? Ms(t) : "unknown")}, load generator {Ms(self)}; {responses} xDS responses received");
        if (Cpu.Count > 0) o.WriteLine("  (CPU figures include idle pauses; subtract the idle rate for the cost of the work itself)");
        foreach (var (when, memory) in Memory) o.WriteLine($"silo memory {when}: {memory}");
        if (Memory.Count == 0) o.WriteLine("silo memory: unknown (not started by this run, and its /metrics has no process_resident_memory_bytes or process_working_set_bytes)");
        foreach (var failure in Failures) o.WriteLine($"FAILED: {failure}");
    }

    /// <summary>Nearest-rank percentiles: with 20 samples p99 is the maximum, and the report does not pretend otherwise.</summary>
    public static string Summary(IReadOnlyList<TimeSpan> samples)
    {
        var sorted = samples.Order().ToList();
        TimeSpan P(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
        return $"p50 {Ms(P(50))}  p90 {Ms(P(90))}  p99 {Ms(P(99))}  max {Ms(sorted[^1])}  (n={sorted.Count})";
    }

    public static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    public static string MiB(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
}
