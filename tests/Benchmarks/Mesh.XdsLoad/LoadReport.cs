using System.Globalization;

namespace Mesh.XdsLoad;

/// <summary>What a run measured, printed as a small plain-text report.</summary>
public sealed class LoadReport(LoadOptions options, string pushMode)
{
    public string PushMode { get; } = pushMode;
    public string Silo { get; set; } = "";
    public int DeltaProxies { get; set; }
    public TimeSpan? Loaded { get; set; }
    public List<TimeSpan> Connects { get; } = [];
    public TimeSpan? ConnectAll { get; set; }

    /// <summary>The measured edits, each done (every proxy ACKed it).</summary>
    public List<Change> Edits { get; } = [];
    public PhaseCost? EditsPhase { get; set; }
    public ChurnResult? Churn { get; set; }
    public PhaseCost? ChurnPhase { get; set; }
    public List<string> Failures { get; } = [];

    /// <summary>The silo killed, how many proxies it held, and per proxy kill → full config again on a survivor.</summary>
    public (int Silo, int Proxies, List<TimeSpan> Back)? Kill { get; set; }
    public List<(string When, string Memory)> Memory { get; } = [];

    /// <summary>Growth of the silos' RSS and managed heap per connected proxy, in KiB (summed over silos).</summary>
    public (double? RssKb, double? ManagedKb)? PerProxy { get; set; }

    /// <summary>CPU used and traffic received per phase.</summary>
    public List<PhaseCost> Phases { get; } = [];

    public void Print(TextWriter o)
    {
        var clients = DeltaProxies == 0 ? "ADS SotW" : DeltaProxies == options.Proxies ? "ADS Delta" : $"{options.Proxies - DeltaProxies} ADS SotW + {DeltaProxies} ADS Delta";
        o.WriteLine($"Mesh xDS load, push mode {PushMode}: {options.Proxies} proxies ({clients}, CDS wildcard + EDS) over {options.Silos} silo(s), {options.Hosts} hosts x {options.Endpoints} endpoints ({(options.VisibleHosts < options.Hosts ? $"{options.VisibleHosts} visible to the proxies, the rest exportTo \".\" elsewhere" : "all visible")}), {options.Edits} edits after {options.Warmup} warm-up edits");
        o.WriteLine($"silo: {Silo}");
        o.WriteLine($"machine: {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, .NET {Environment.Version}");
        if (Loaded is { } loaded) o.WriteLine($"files written -> probe proxy holds all {options.VisibleHosts} visible hosts: {Ms(loaded)}");
        if (Connects.Count > 0)
        {
            o.WriteLine($"connect -> first full config ({options.Proxies} proxies connecting at once, refused streams retried with back-off), per proxy:");
            o.WriteLine($"  {Summary(Connects)}; all proxies done after {Ms(ConnectAll!.Value)}");
        }
        if (Edits.Count > 0)
        {
            o.WriteLine($"edit (file write) -> new ClusterLoadAssignment, over {Edits.Count} edits:");
            o.WriteLine($"  ACKed by every proxy:    {Summary([.. Edits.Select(e => e.ToLastAck)])}");
            o.WriteLine($"  received by every proxy: {Summary([.. Edits.Select(e => e.ToLastReceipt)])}");
            o.WriteLine($"  ACKed by first proxy:    {Summary([.. Edits.Select(e => e.ToFirstAck)])}");
        }
        if (Churn is { } churn)
        {
            var endpoint = churn.Changes.Count(c => c.Kind == ChangeKind.Endpoint);
            o.WriteLine($"churn: {churn.Changes.Count} changes in {Ms(churn.Writing)} ({endpoint} endpoint changes, {churn.Changes.Count - endpoint} config edits); {churn.NotConverged} not held by every proxy within {options.Timeout.TotalSeconds:0} s after");
            foreach (var (label, kind) in new (string, ChangeKind?)[] { ("all changes", null), ("endpoint changes (EDS)", ChangeKind.Endpoint), ("config edits (CDS)", ChangeKind.Config) })
            {
                var done = churn.Converged.Where(c => kind is null || c.Kind == kind).ToList();
                if (done.Count == 0) continue;
                o.WriteLine($"  {label}, write -> every proxy ACKed it or a later change of the host: {Summary([.. done.Select(c => c.ToLastAck)])}");
                o.WriteLine($"  {label}, write -> first proxy ACKed:                                {Summary([.. done.Select(c => c.ToFirstAck)])}");
            }
        }
        if (Kill is { } kill)
        {
            o.WriteLine($"kill -9 silo {kill.Silo} ({kill.Proxies} proxies on it) -> each back on a survivor with its full config:");
            o.WriteLine($"  {Summary(kill.Back)}");
        }
        foreach (var phase in Phases)
        {
            var seconds = Math.Max(phase.Wall.TotalSeconds, 1e-3);
            var silos = phase.SiloCpu.Count == 0 ? "unknown" : $"{string.Join(", ", phase.SiloCpu.Select((c, i) => $"{i}: {(c is { } t ? Ms(t) : "exited")}"))}{(phase.SiloCpu.Count > 1 && phase.SiloTotal is { } total ? $" (sum {Ms(total)})" : "")}";
            o.WriteLine($"phase {phase.Phase}: {Ms(phase.Wall)}; silo CPU {silos}; load generator CPU {Ms(phase.Self)} ({phase.SelfGen2} gen-2 collections, {Ms(phase.SelfGcPause)} paused in GC)");
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {phase.Responses} xDS responses ({phase.Responses / seconds:0.0}/s), {phase.Bytes / 1e6:0.000} MB ({phase.Bytes / 1e6 / seconds:0.000} MB/s); {phase.Retries} streams refused or lost, retried"));
        }
        if (Phases.Count > 0) o.WriteLine("  (CPU figures include idle pauses; subtract the idle rate for the cost of the work itself)");
        foreach (var (when, memory) in Memory) o.WriteLine($"silo memory {when}: {memory}");
        if (PerProxy is { } per)
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"silo memory per connected proxy ((all connected - probe only) / {options.Proxies}, summed over silos): VmRSS {(per.RssKb is { } r ? $"{r:0.0} KiB" : "unknown")}, managed heap {(per.ManagedKb is { } m ? $"{m:0.0} KiB" : "unknown (no dotnet_total_memory_bytes in /metrics)")}"));
        if (Memory.Count == 0 && options.StartSilo is null) o.WriteLine("silo memory: unknown (not started by this run, and its /metrics has no process_resident_memory_bytes or process_working_set_bytes)");
        foreach (var failure in Failures) o.WriteLine($"FAILED: {failure}");
    }

    /// <summary>Nearest-rank percentiles: with 20 samples p99 is the maximum, and the report does not pretend otherwise.</summary>
    public static string Summary(IReadOnlyList<TimeSpan> samples)
    {
        var sorted = samples.Order().ToList();
        return $"p50 {Ms(Percentile(sorted, 50))}  p90 {Ms(Percentile(sorted, 90))}  p99 {Ms(Percentile(sorted, 99))}  max {Ms(sorted[^1])}  (n={sorted.Count})";
    }

    public static TimeSpan Percentile(IReadOnlyList<TimeSpan> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    public static string MiB(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
}
