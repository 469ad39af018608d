using System.Globalization;
using System.Net;

namespace Mesh.XdsLoad;

/// <summary>The command line. Every count is bounded so a typo cannot start an unbounded run.</summary>
public sealed record LoadOptions(
    IPEndPoint Xds,
    IPEndPoint Http,
    string? ConfigDir,
    int Proxies,
    int Hosts,
    int Edits,
    int Warmup,
    string? StartSilo,
    TimeSpan Timeout,
    TimeSpan Pause)
{
    /// <summary>Silo processes to start (--silos), clustered through Redis when more than one.</summary>
    public int Silos { get; init; } = 1;

    /// <summary>The Redis the silos cluster through (--redis HOST:PORT); when absent a redis-server is started.</summary>
    public string? Redis { get; init; }

    /// <summary>After the edits, kill this silo (--kill-silo INDEX, SIGKILL) and time its proxies' return to full config on a survivor.</summary>
    public int? KillSilo { get; init; }

    /// <summary>Endpoints per host (--endpoints); endpoint 0 is the one edits and churn change.</summary>
    public int Endpoints { get; init; } = 2;

    /// <summary>The share of proxies that use Delta ADS (--delta-share, 0..1); the rest use SotW.</summary>
    public double DeltaShare { get; init; }

    /// <summary>How long the churn phase runs (--churn-s); zero: no churn phase.</summary>
    public TimeSpan Churn { get; init; }

    /// <summary>Endpoint changes a second during churn (--endpoint-changes-per-s): a random host's endpoint 0 moves.</summary>
    public int EndpointChangesPerSecond { get; init; } = 10;

    /// <summary>Config edits a second during churn (--config-edits-per-s): a random host's DestinationRule changes its Cluster.</summary>
    public int ConfigEditsPerSecond { get; init; }

    /// <summary>
    /// Hosts the proxies see (--visible-hosts, default all): the others are written to another
    /// namespace with exportTo ".", as a mesh scoped by exportTo or Sidecar. Edits and churn change visible hosts only.
    /// </summary>
    public int VisibleHosts { get; init; }

    /// <summary>Seconds to hold the connected proxies idle before the edits (--hold-s), to inspect the silos (dotnet-gcdump, dotnet-counters).</summary>
    public TimeSpan Hold { get; init; }

    /// <summary>After the edits and churn, hold the proxies idle this long (--hold-after-s), to inspect what the changes left behind.</summary>
    public TimeSpan HoldAfter { get; init; }

    /// <summary>The silo push modes to run the whole scenario against, each on fresh silos (--push-modes).</summary>
    public IReadOnlyList<string> PushModes { get; init; } = ["incremental"];

    /// <summary>More flags for every silo the run starts (--silo-args "--inline-io true"), split on spaces.</summary>
    public IReadOnlyList<string> SiloArgs { get; init; } = [];

    /// <summary>Environment variables for every silo the run starts (--silo-env "DOTNET_GCgen0size=0x8000000"), split on spaces.</summary>
    public IReadOnlyDictionary<string, string> SiloEnv { get; init; } = new Dictionary<string, string>();

    /// <summary>Proxies that use Delta: spread evenly over the proxies and so over the silos.</summary>
    public int DeltaProxies => (int)Math.Round(Proxies * DeltaShare);

    public const string Usage =
        "usage: Mesh.XdsLoad [--xds 127.0.0.1:15010] [--http 127.0.0.1:15014] [--config-dir DIR] " +
        "[--proxies 50] [--hosts 100] [--edits 20] [--warmup 40] [--start-silo PATH/Mesh.Silo.dll] [--silos 1] [--redis HOST:PORT] [--kill-silo INDEX] [--timeout-s 120] [--pause-ms 200] " +
        "[--endpoints 2] [--delta-share 0] [--churn-s 0] [--endpoint-changes-per-s 10] [--config-edits-per-s 0] [--push-modes incremental[,full]] [--hold-s 0] [--hold-after-s 0] [--visible-hosts HOSTS] [--silo-args \"--flag value ...\"] [--silo-env \"NAME=value ...\"]";

    public static LoadOptions Parse(string[] args)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"expected '--flag value', got '{args[i]}'");
            flags[args[i][2..]] = args[++i];
        }
        string? Get(string flag) => flags.Remove(flag, out var v) ? v : null;
        int Int(string flag, int fallback, int max, int min = 1)
        {
            var text = Get(flag);
            if (text is null) return fallback;
            return int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n : throw new ArgumentException($"--{flag}: '{text}' is not a number in {min}..{max}");
        }

        var options = new LoadOptions(
            Loopback(Get("xds") ?? "127.0.0.1:15010", "xds"),
            Loopback(Get("http") ?? "127.0.0.1:15014", "http"),
            Get("config-dir"),
            Int("proxies", 50, 20_000),
            Int("hosts", 100, 10_000),
            Int("edits", 20, 10_000),
            Int("warmup", 40, 1_000, min: 0),
            Get("start-silo"),
            // Long enough for 10,000 proxies to get through two silos' stream rate limit (100/s each) with room.
            TimeSpan.FromSeconds(Int("timeout-s", 120, 3_600)),
            TimeSpan.FromMilliseconds(Int("pause-ms", 200, 60_000)))
        {
            Silos = Int("silos", 1, 5),
            Redis = Get("redis"),
            KillSilo = Get("kill-silo") is { } kill
                ? int.TryParse(kill, CultureInfo.InvariantCulture, out var k) && k >= 0 ? k : throw new ArgumentException($"--kill-silo: '{kill}' is not a silo index")
                : null,
            Endpoints = Int("endpoints", 2, 200),
            DeltaShare = Get("delta-share") is { } share
                ? double.TryParse(share, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f is >= 0 and <= 1 ? f : throw new ArgumentException($"--delta-share: '{share}' is not a number in 0..1")
                : 0,
            Churn = TimeSpan.FromSeconds(Int("churn-s", 0, 3_600, min: 0)),
            EndpointChangesPerSecond = Int("endpoint-changes-per-s", 10, 1_000, min: 0),
            ConfigEditsPerSecond = Int("config-edits-per-s", 0, 1_000, min: 0),
            VisibleHosts = Get("visible-hosts") is { } visible
                ? int.TryParse(visible, CultureInfo.InvariantCulture, out var v) && v >= 1 ? v : throw new ArgumentException($"--visible-hosts: '{visible}' is not a positive number")
                : 0,
            Hold = TimeSpan.FromSeconds(Int("hold-s", 0, 3_600, min: 0)),
            HoldAfter = TimeSpan.FromSeconds(Int("hold-after-s", 0, 3_600, min: 0)),
            PushModes = Get("push-modes") is { } modes
                ? [.. modes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(m => m is "incremental" or "full" ? m : throw new ArgumentException($"--push-modes: '{m}' is neither incremental nor full"))]
                : ["incremental"],
            SiloArgs = Get("silo-args") is { } siloArgs ? siloArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [],
            SiloEnv = Get("silo-env") is { } siloEnv ? siloEnv.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(EnvPair).ToDictionary() : new Dictionary<string, string>(),
        };
        options = options with { VisibleHosts = options.VisibleHosts == 0 ? options.Hosts : options.VisibleHosts };
        if (options.VisibleHosts > options.Hosts) throw new ArgumentException($"--visible-hosts {options.VisibleHosts}: more than --hosts {options.Hosts}");
        if (flags.Count > 0) throw new ArgumentException($"unknown flag '--{flags.Keys.First()}'");
        if (options.StartSilo is null && options.ConfigDir is null)
            throw new ArgumentException("--config-dir is required unless --start-silo is given (the silo must watch the directory the edits go to)");
        if (options.Silos > 1 && options.StartSilo is null)
            throw new ArgumentException("--silos needs --start-silo: the run starts the cluster it measures");
        if (options.KillSilo is { } victim && victim >= options.Silos)
            throw new ArgumentException($"--kill-silo {victim}: there are only {options.Silos} silos (indexes from 0)");
        if (options.PushModes.Count == 0 || options.PushModes.Distinct().Count() != options.PushModes.Count)
            throw new ArgumentException("--push-modes: a comma-separated list of distinct modes (incremental, full)");
        if ((options.SiloArgs.Count > 0 || options.SiloEnv.Count > 0) && options.StartSilo is null)
            throw new ArgumentException("--silo-args and --silo-env need --start-silo: they go to the silos the run starts");
        if (options.PushModes is not ["incremental"] && options.StartSilo is null)
            throw new ArgumentException("--push-modes needs --start-silo: each mode runs on silos started for it");
        if (options.Churn > TimeSpan.Zero && options.EndpointChangesPerSecond + options.ConfigEditsPerSecond == 0)
            throw new ArgumentException("--churn-s: --endpoint-changes-per-s and --config-edits-per-s are both 0");
        if (options.Warmup + options.Edits + options.Churn.TotalSeconds * (options.EndpointChangesPerSecond + options.ConfigEditsPerSecond) >= StateCodes.MaxSeq)
            throw new ArgumentException($"more than {StateCodes.MaxSeq} changes in one run (each needs its own address)");
        if (options.StartSilo is not null && !File.Exists(options.StartSilo))
            throw new ArgumentException($"--start-silo: '{options.StartSilo}' does not exist (build Silo/Mesh.Silo.csproj -c Release)");
        return options;
    }

    private static KeyValuePair<string, string> EnvPair(string pair) =>
        pair.IndexOf('=') is var eq and > 0
            ? new(pair[..eq], pair[(eq + 1)..])
            : throw new ArgumentException($"--silo-env: '{pair}' is not NAME=value");

    /// <summary>All traffic stays on this machine: anything but a loopback address is refused.</summary>
    private static IPEndPoint Loopback(string text, string flag) =>
        IPEndPoint.TryParse(text, out var ep) && IPAddress.IsLoopback(ep.Address) && ep.Port > 0
            ? ep
            : throw new ArgumentException($"--{flag}: '{text}' is not a loopback address:port");
}
