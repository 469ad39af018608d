using System.Globalization;
using Mesh.Registries.Consul;
using Mesh.Registries.Kubernetes;

namespace Mesh.Silo.Hosting;

/// <summary>How silos find each other (--clustering).</summary>
public enum ClusteringMode
{
    /// <summary>Orleans' development clustering on one machine: the first silo is the primary, later silos join it with --primary-silo-port.</summary>
    Localhost,

    /// <summary>The membership table in Redis (--redis HOST:PORT): any silo may die, the first one included.</summary>
    Redis,

    /// <summary>The membership table as custom resources in the Kubernetes API (--kubeconfig).</summary>
    Kubernetes,
}

/// <summary>
/// The silo's settings: command-line flags, else MESH_* environment variables, else defaults.
/// </summary>
public sealed record SiloOptions(
    string ConfigDir,
    int XdsPort,
    int HttpPort,
    int SiloPort,
    int GatewayPort,
    int? PrimarySiloPort,
    string ClusterId,
    TimeSpan DebounceQuiet,
    TimeSpan DebounceMax)
{
    /// <summary>The Consul registry; null (no --consul-address) runs none.</summary>
    public ConsulOptions? Consul { get; init; }

    /// <summary>The Kubernetes registry; null (no --kubeconfig) runs none.</summary>
    public KubernetesOptions? Kubernetes { get; init; }

    /// <summary>How long an auto-registered WorkloadEntry outlives its VM's last stream (Istio's PILOT_WORKLOAD_ENTRY_GRACE_PERIOD).</summary>
    public TimeSpan WorkloadEntryGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The bootstrap-token key (--bootstrap-key-file): by default &lt;config-dir&gt;/.mesh/bootstrap.key,
    /// created by the first silo; on Kubernetes, where the config directory is a read-only mount,
    /// a mounted Secret's file.
    /// </summary>
    public string? BootstrapKeyFile { get; init; }

    /// <summary>How silos find each other; localhost is the embedded, single-machine default.</summary>
    public ClusteringMode Clustering { get; init; } = ClusteringMode.Localhost;

    /// <summary>The Redis server holding the membership table (--redis HOST:PORT), for redis clustering.</summary>
    public string? Redis { get; init; }

    /// <summary>The address other silos reach this one at (--silo-address); loopback by default, the pod IP on Kubernetes.</summary>
    public System.Net.IPAddress SiloAddress { get; init; } = System.Net.IPAddress.Loopback;

    /// <summary>Where the Kubernetes membership table's resources live (--membership-namespace, else POD_NAMESPACE).</summary>
    public string MembershipNamespace { get; init; } = "istio-system";

    /// <summary>What one xDS stream may cost (--max-names-per-type, --first-request-timeout-ms, --write-timeout-ms, --request-rate, --request-burst, --drain-period-ms).</summary>
    public Xds.StreamLimits StreamLimits { get; init; } = new();

    /// <summary>Open connections Kestrel accepts at once on each listening port (--max-connections): the xDS and admin ports each have this limit.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>Idle time before Kestrel pings an HTTP/2 client, and how long the client has to answer (Istio: 30 s and 10 s).</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Concurrent HTTP/2 streams per connection (--max-streams-per-connection), Kestrel's default.</summary>
    public int MaxStreamsPerConnection { get; init; } = 100;

    /// <summary>Responses (pushes and answers) written at once on this silo (--push-throttle), after Istio's PILOT_PUSH_THROTTLE.</summary>
    public int PushThrottle { get; init; } = 100;

    /// <summary>New xDS streams a second this silo accepts (--connection-rate, burst --connection-burst); more are refused with UNAVAILABLE.</summary>
    public double ConnectionRate { get; init; } = 100;

    public int ConnectionBurst { get; init; } = 500;

    /// <summary>
    /// --push-mode: incremental (default) sends each proxy only what changed; full resends every
    /// subscribed resource of every type on every flush, as Istio's full push does. For measuring one against the other.
    /// </summary>
    public Xds.PushMode PushMode { get; init; } = Xds.PushMode.Incremental;

    public static SiloOptions Parse(string[] args, Func<string, string?> env)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"unexpected argument '{arg}'");
            var eq = arg.IndexOf('=');
            if (eq > 0) flags[arg[2..eq]] = arg[(eq + 1)..];
            else if (i + 1 < args.Length) flags[arg[2..]] = args[++i];
            else throw new ArgumentException($"flag '{arg}' needs a value");
        }
        string Get(string flag, string fallback) =>
            flags.Remove(flag, out var v) ? v : env("MESH_" + flag.ToUpperInvariant().Replace('-', '_')) ?? fallback;
        int Int(string flag, int fallback) => Port(flag, Get(flag, fallback.ToString(CultureInfo.InvariantCulture)));
        static int Port(string flag, string text) =>
            int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 65535
                ? n : throw new ArgumentException($"--{flag}: invalid value \"{text}\": expected a port number");
        TimeSpan Millis(string flag, int fallback)
        {
            var text = Get(flag, fallback.ToString(CultureInfo.InvariantCulture));
            return int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n >= 0
                ? TimeSpan.FromMilliseconds(n) : throw new ArgumentException($"--{flag}: invalid value \"{text}\": expected milliseconds");
        }

        int Positive(string flag, int fallback)
        {
            var text = Get(flag, fallback.ToString(CultureInfo.InvariantCulture));
            return int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw new ArgumentException($"--{flag}: invalid value \"{text}\": expected a positive whole number");
        }
        TimeSpan PositiveMillis(string flag, int fallback)
        {
            var text = Get(flag, fallback.ToString(CultureInfo.InvariantCulture));
            return int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n > 0
                ? TimeSpan.FromMilliseconds(n) : throw new ArgumentException($"--{flag}: invalid value \"{text}\": expected milliseconds above 0");
        }
        double Rate(string flag, double fallback)
        {
            var text = Get(flag, fallback.ToString(CultureInfo.InvariantCulture));
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 && double.IsFinite(n)
                ? n : throw new ArgumentException($"--{flag}: invalid value \"{text}\": expected a positive number per second");
        }

        // Read once: Get consumes the flag, so a second read would see the default.
        var primary = Get("primary-silo-port", "");
        // Read even without --kubeconfig, so turning the CRDs off is never an "unknown flag".
        var crds = Get("kube-config-crds", "true");
        var configCrds = bool.TryParse(crds, out var readCrds)
            ? readCrds : throw new ArgumentException($"--kube-config-crds: invalid value \"{crds}\": expected true or false");
        var options = new SiloOptions(
            ConfigDir: Path.GetFullPath(Get("config-dir", "config")),
            XdsPort: Int("xds-port", 15010),
            HttpPort: Int("http-port", 15014),
            SiloPort: Int("silo-port", 11111),
            GatewayPort: Int("gateway-port", 30000),
            PrimarySiloPort: primary.Length == 0 ? null : Port("primary-silo-port", primary),
            ClusterId: Get("cluster-id", "mesh"),
            DebounceQuiet: Millis("debounce-quiet-ms", 100),
            DebounceMax: Millis("debounce-max-ms", 10_000))
        {
            Consul = Get("consul-address", "") is { Length: > 0 } consul
                ? new ConsulOptions(
                    Uri.TryCreate(consul, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                        ? uri : throw new ArgumentException($"--consul-address: invalid value \"{consul}\": expected an http(s) URL"),
                    Get("consul-datacenters", "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                    Get("consul-token", "") is { Length: > 0 } token ? token : null,
                    Get("consul-domain", "service.consul"),
                    Get("consul-namespace", "default"))
                {
                    WarningIsPassing = Get("consul-warning-is-passing", "false") is var warning && bool.TryParse(warning, out var passing)
                        ? passing : throw new ArgumentException($"--consul-warning-is-passing: invalid value \"{warning}\": expected true or false"),
                }
                : null,
            Kubernetes = Get("kubeconfig", "") is { Length: > 0 } kubeconfig
                ? new KubernetesOptions(
                    kubeconfig == "in-cluster" ? kubeconfig : Path.GetFullPath(kubeconfig),
                    Get("kube-cluster-id", "Kubernetes"),
                    Get("kube-domain", "cluster.local"))
                {
                    ConfigCrds = configCrds,
                }
                : null,
            WorkloadEntryGracePeriod = Millis("workload-entry-grace-period-ms", 10_000),
            BootstrapKeyFile = Get("bootstrap-key-file", "") is { Length: > 0 } keyFile ? Path.GetFullPath(keyFile) : null,
        };
        var clustering = Get("clustering", "localhost");
        options = options with
        {
            Clustering = clustering switch
            {
                "localhost" => ClusteringMode.Localhost,
                "redis" => ClusteringMode.Redis,
                "kubernetes" => ClusteringMode.Kubernetes,
                _ => throw new ArgumentException($"--clustering: invalid value \"{clustering}\": expected localhost, redis or kubernetes"),
            },
            Redis = Get("redis", "") is { Length: > 0 } redis ? redis : null,
            SiloAddress = Get("silo-address", "127.0.0.1") is var address && System.Net.IPAddress.TryParse(address, out var ip)
                ? ip : throw new ArgumentException($"--silo-address: invalid value \"{address}\": expected an IP address"),
            MembershipNamespace = Get("membership-namespace", env("POD_NAMESPACE") ?? "istio-system"),
            StreamLimits = new Xds.StreamLimits
            {
                MaxNamesPerType = Positive("max-names-per-type", 10_000),
                FirstRequestTimeout = PositiveMillis("first-request-timeout-ms", 10_000),
                WriteTimeout = PositiveMillis("write-timeout-ms", 30_000),
                RequestRate = Rate("request-rate", 100),
                RequestBurst = Positive("request-burst", 200),
                DrainPeriod = Millis("drain-period-ms", 10_000),
            },
            MaxConnections = Positive("max-connections", 10_000),
            MaxStreamsPerConnection = Positive("max-streams-per-connection", 100),
            PushThrottle = Positive("push-throttle", 100),
            ConnectionRate = Rate("connection-rate", 100),
            ConnectionBurst = Positive("connection-burst", 500),
            PushMode = Get("push-mode", "incremental") switch
            {
                "incremental" => Xds.PushMode.Incremental,
                "full" => Xds.PushMode.Full,
                var mode => throw new ArgumentException($"--push-mode: invalid value \"{mode}\": expected incremental or full"),
            },
        };
        if (options.Clustering == ClusteringMode.Redis && options.Redis is null)
            throw new ArgumentException("--clustering redis needs --redis HOST:PORT (or MESH_REDIS)");
        if (options.Clustering == ClusteringMode.Kubernetes && options.Kubernetes is null)
            throw new ArgumentException("--clustering kubernetes needs --kubeconfig (a file, or in-cluster)");
        if (options.Clustering != ClusteringMode.Localhost && options.PrimarySiloPort is not null)
            throw new ArgumentException($"--primary-silo-port is for localhost clustering; with --clustering {clustering} every silo finds the others through the membership table");
        if (flags.Count > 0) throw new ArgumentException($"unknown flag '--{flags.Keys.First()}'");
        return options;
    }
}
