using System.Globalization;

namespace Mesh.SidecarBench;

/// <summary>The command line. Every number is bounded so a typo cannot start an unbounded run.</summary>
/// <param name="SidecarEnv">Extra environment for both sidecars (experiments such as DOTNET_gcServer=1), applied to all rounds.</param>
public sealed record BenchOptions(
    string Silo,
    string Proxy,
    int Rate,
    int Connections,
    TimeSpan Warmup,
    TimeSpan Measured,
    int Rounds,
    TimeSpan Throughput,
    int ThroughputConnections,
    int PayloadBytes,
    IReadOnlyList<PathKind> Paths,
    IReadOnlyDictionary<string, string> SidecarEnv,
    string? LogDir)
{
    public const string Usage =
        "usage: Mesh.SidecarBench --silo PATH/Mesh.Silo.dll --proxy PATH/mesh-proxy.dll [--rate 1000] [--connections 16] " +
        "[--warmup-s 2] [--seconds 10] [--rounds 3] [--throughput-s 10] [--throughput-connections 16] [--payload 1024] " +
        "[--paths direct,nginx,one,two] [--sidecar-env K=V,...] [--log-dir DIR]";

    public static BenchOptions Parse(string[] args)
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
        string File(string flag) => Get(flag) is { } path
            ? System.IO.File.Exists(path) ? Path.GetFullPath(path) : throw new ArgumentException($"--{flag}: '{path}' does not exist (build it with -c Release)")
            : throw new ArgumentException($"--{flag} is required");

        var options = new BenchOptions(
            File("silo"),
            File("proxy"),
            Int("rate", 1_000, 100_000),
            Int("connections", 16, 1_024),
            TimeSpan.FromSeconds(Int("warmup-s", 2, 600, min: 0)),
            TimeSpan.FromSeconds(Int("seconds", 10, 3_600)),
            Int("rounds", 3, 100),
            TimeSpan.FromSeconds(Int("throughput-s", 10, 3_600, min: 0)),
            Int("throughput-connections", 16, 1_024),
            Int("payload", 1_024, 1 << 20),
            ParsePaths(Get("paths") ?? "direct,nginx,one,two"),
            ParseEnv(Get("sidecar-env") ?? ""),
            Get("log-dir"));
        if (flags.Count > 0) throw new ArgumentException($"unknown flag '--{flags.Keys.First()}'");
        return options;
    }

    private static List<PathKind> ParsePaths(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p switch
            {
                "direct" => PathKind.Direct,
                "nginx" => PathKind.Nginx,
                "one" => PathKind.OneSidecar,
                "two" => PathKind.TwoSidecars,
                _ => throw new ArgumentException($"--paths: '{p}' is not one of direct, nginx, one, two"),
            })
            .Distinct()
            .ToList() is { Count: > 0 } paths ? paths : throw new ArgumentException("--paths: at least one path");

    private static Dictionary<string, string> ParseEnv(string text)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--sidecar-env: '{pair}' is not KEY=VALUE");
            env[pair[..eq]] = pair[(eq + 1)..];
        }
        return env;
    }
}

/// <summary>The four ways to the same backend.</summary>
public enum PathKind
{
    Direct,
    Nginx,
    OneSidecar,
    TwoSidecars,
}
