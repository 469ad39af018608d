using System.Globalization;
using System.Security.Cryptography;
using Mesh.Api.Model;
using Mesh.Proxy.Health;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Xds;

namespace Mesh.Proxy.Hosting;

/// <summary>
/// The sidecar's settings: flags, else MESH_* environment variables, else Istio's defaults
/// (outbound 15001, inbound 15006, admin 15000, health 15021, Prometheus 15090). Parsed like the silo's options.
/// </summary>
/// <param name="AccessLog">"off" (Istio's default profile), "stdout" or a file path.</param>
public sealed record ProxyOptions(
    IReadOnlyList<string> XdsAddresses,
    bool UseDelta,
    ProxyIdentity Identity,
    int AppPort,
    string BindAddress,
    string InboundBindAddress,
    int OutboundPort,
    int InboundPort,
    int AdminPort,
    int HealthPort,
    int StatsPort = 15090,
    string AccessLog = "off",
    AccessLogFormat AccessLogFormat = AccessLogFormat.Text)
{
    /// <summary>
    /// Inline I/O (--inline-io, on by default): Kestrel's UnsafePreferInlineScheduling runs request
    /// handlers on the socket's I/O thread, and the host sets DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS
    /// so socket completions run there too, instead of each hopping to the thread pool. Safe because
    /// nothing on the request path blocks (access logs and console logs go through queues). Only the
    /// two together pay: 2.2–2.7× less sidecar CPU at 1,000 rps and lower added latency in paired
    /// runs (docs/benchmarks.md, "Inline I/O").
    /// </summary>
    public bool InlineIo { get; init; } = true;

    /// <summary>The runtime's switch for socket completions on the I/O thread, read once when the first socket is made.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public string NodeId => Identity.NodeId;

    /// <summary>The WorkloadGroup a VM joins (--workload-group): its identity defaults, auto-registration and probe.</summary>
    public WorkloadGroup? WorkloadGroup { get; init; }

    /// <summary>Sent as "authorization: Bearer" on xDS streams (--bootstrap-token, --bootstrap-token-file).</summary>
    public string? BootstrapToken { get; init; }

    public static ProxyOptions Parse(string[] args, Func<string, string?> env)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{arg}'");
            var eq = arg.IndexOf('=');
            if (eq > 0) flags[arg[2..eq]] = arg[(eq + 1)..];
            else if (i + 1 < args.Length) flags[arg[2..]] = args[++i];
            else throw new ArgumentException($"flag '{arg}' needs a value");
        }
        string Get(string flag, string fallback) =>
            flags.Remove(flag, out var v) ? v : env("MESH_" + flag.ToUpperInvariant().Replace('-', '_')) ?? fallback;
        int Port(string flag, int fallback)
        {
            var text = Get(flag, fallback.ToString(CultureInfo.InvariantCulture));
            return int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 65535
                ? n : throw new ArgumentException($"--{flag}: invalid value \"{text}\": expected a port number");
        }

        var addresses = Get("xds-address", "127.0.0.1:15010").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (addresses.Length == 0) throw new ArgumentException("--xds-address: at least one control plane address is required");
        var protocol = Get("xds-protocol", "delta");
        var useDelta = protocol switch
        {
            "delta" => true,
            "sotw" => false,
            _ => throw new ArgumentException($"--xds-protocol: invalid value \"{protocol}\": expected delta or sotw"),
        };
        var group = Get("workload-group", "") is { Length: > 0 } groupFile ? WorkloadGroupFile.Load(groupFile) : null;
        var token = Get("bootstrap-token", "") is { Length: > 0 } t ? t
            : Get("bootstrap-token-file", "") is { Length: > 0 } tokenFile ? ReadToken(tokenFile) : null;
        var ns = Get("namespace", group?.Meta.Namespace ?? "default");
        var namedPod = Get("pod-name", "") is { Length: > 0 } named ? named : env("POD_NAME") is { Length: > 0 } pod ? pod : null;
        // Without a name, the host's with a random suffix; the host name is then the workload (metrics' fallback name).
        var host = Environment.MachineName.ToLowerInvariant() is { Length: > 0 } h ? h : "mesh-proxy";
        var podName = namedPod ?? $"{host}-{PodNameSuffix()}";
        var identity = new ProxyIdentity(
            Ip: Get("ip", "127.0.0.1"),
            PodName: podName,
            Namespace: ns,
            ServiceAccount: Get("service-account", group?.Spec.Template.ServiceAccount ?? "default"),
            Labels: GroupLabels(group, Labels(Get("labels", ""))),
            IdOverride: Get("proxy-id", "") is { Length: > 0 } id ? id : null,
            Locality: Locality(Get("locality", "")))
        {
            AutoRegisterGroup = group?.Meta.Name,
            Workload = namedPod is null ? host : null,
        };
        var options = new ProxyOptions(
            addresses,
            useDelta,
            identity,
            AppPort: Port("app-port", 0),
            BindAddress: Get("bind-address", "127.0.0.1"),
            InboundBindAddress: Get("inbound-bind-address", "0.0.0.0"),
            OutboundPort: Port("outbound-port", 15001),
            InboundPort: Port("inbound-port", 15006),
            AdminPort: Port("admin-port", 15000),
            HealthPort: Port("health-port", 15021),
            StatsPort: Port("stats-port", 15090),
            AccessLog: Get("access-log", "off"),
            AccessLogFormat: Get("access-log-format", "text") switch
            {
                "text" => AccessLogFormat.Text,
                "json" => AccessLogFormat.Json,
                var other => throw new ArgumentException($"--access-log-format: invalid value \"{other}\": expected text or json"),
            })
        {
            InlineIo = Get("inline-io", "true") switch
            {
                "true" => true,
                "false" => false,
                var other => throw new ArgumentException($"--inline-io: invalid value \"{other}\": expected true or false"),
            },
            WorkloadGroup = group,
            BootstrapToken = token,
        };
        if (flags.Count > 0) throw new ArgumentException($"unknown flag '--{flags.Keys.First()}'");
        return options;
    }

    private const string SuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>
    /// The suffix of the pod name when neither --pod-name (MESH_POD_NAME) nor POD_NAME (Istio's, from
    /// the downward API) gives one: five characters of Kubernetes' generateName alphabet. The host
    /// name alone would give every sidecar on one machine the same node id.
    /// </summary>
    private static string PodNameSuffix() => new(RandomNumberGenerator.GetItems<char>(SuffixAlphabet, 5));

    /// <summary>"region/zone/subzone" (Istio's istio-locality label syntax, any suffix may be missing).</summary>
    public static string Locality(string text)
    {
        var parts = text.Split('/');
        if (text.Length > 0 && (parts.Length > 3 || parts.Any(p => p.Length == 0 || p.Contains('*'))))
            throw new ArgumentException($"--locality: invalid value \"{text}\": expected region[/zone[/subzone]]");
        return text;
    }

    private static string ReadToken(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (IOException e) { throw new ArgumentException($"--bootstrap-token-file: cannot read {path}: {e.Message}"); }
    }

    /// <summary>A VM's labels: its group's (metadata, then template), then --labels on top.</summary>
    private static IReadOnlyDictionary<string, string> GroupLabels(WorkloadGroup? group, IReadOnlyDictionary<string, string> flags)
    {
        if (group is null) return flags;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in group.Spec.Metadata.Labels.Concat(group.Spec.Template.Labels).Concat(flags)) labels[k] = v;
        return labels;
    }

    /// <summary>"app=x,version=v1" as a dictionary, Istio's label syntax on the command line.</summary>
    public static IReadOnlyDictionary<string, string> Labels(string text)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--labels: invalid label \"{pair}\": expected key=value");
            labels[pair[..eq]] = pair[(eq + 1)..];
        }
        return labels;
    }
}
