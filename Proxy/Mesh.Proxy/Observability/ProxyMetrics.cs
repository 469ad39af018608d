using System.Collections.Concurrent;
using System.Globalization;
using Prometheus;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Istio's standard request metrics, as the istio.stats filter exports them from Envoy, so Istio's
/// Grafana dashboards and Kiali read a Mesh sidecar unchanged. One registry per proxy instance:
/// tests host several sidecars in one process and each must scrape only its own traffic.
/// </summary>
public sealed class ProxyMetrics
{
    // Istio's label set, in its order; labels we cannot know yet are "unknown" as in Istio.
    private static readonly string[] LabelNames =
    [
        "reporter", "source_workload", "source_workload_namespace", "source_principal", "source_app", "source_version",
        "source_canonical_service", "source_canonical_revision", "source_cluster",
        "destination_workload", "destination_workload_namespace", "destination_principal", "destination_app", "destination_version",
        "destination_service", "destination_service_name", "destination_service_namespace",
        "destination_canonical_service", "destination_canonical_revision", "destination_cluster",
        "request_protocol", "response_code", "grpc_response_status", "response_flags", "connection_security_policy",
    ];

    // Istio's buckets: milliseconds from 0.5 ms to an hour, bytes in decades from 1 B to 1 GB.
    private static readonly double[] DurationBuckets = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
    private static readonly double[] ByteBuckets = Histogram.ExponentialBuckets(1, 10, 10);

    private const string Unknown = "unknown";

    // Istio's TCP metrics carry the request label set without response_code and grpc_response_status.
    private static readonly string[] TcpLabelNames = [.. LabelNames.Where(n => n is not "response_code" and not "grpc_response_status")];
    private static readonly int[] TcpLabelIndexes = [.. TcpLabelNames.Select(n => Array.IndexOf(LabelNames, n))];

    private readonly Counter _tcpOpened;
    private readonly Counter _tcpClosed;
    private readonly Counter _tcpSent;
    private readonly Counter _tcpReceived;

    private readonly Counter _requests;
    private readonly Histogram _duration;
    private readonly Histogram _requestBytes;
    private readonly Histogram _responseBytes;
    private readonly Workload _self;
    // The four children of each label set, found by the few request fields the labels derive from:
    // prometheus-net's WithLabels hashes all 25 values per call, this hashes 7 once per request.
    private readonly ConcurrentDictionary<SeriesKey, Series> _series = new();

    public ProxyMetrics(ObservabilityOptions options)
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        // Exemplars read Activity.Current on every observation and are only exported in OpenMetrics.
        factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        _requests = factory.CreateCounter("istio_requests_total", "Requests handled by the proxy.", LabelNames);
        _duration = factory.CreateHistogram("istio_request_duration_milliseconds", "Request duration in milliseconds.",
            LabelNames, new HistogramConfiguration { Buckets = DurationBuckets });
        _requestBytes = factory.CreateHistogram("istio_request_bytes", "Request body size in bytes.",
            LabelNames, new HistogramConfiguration { Buckets = ByteBuckets });
        _responseBytes = factory.CreateHistogram("istio_response_bytes", "Response body size in bytes.",
            LabelNames, new HistogramConfiguration { Buckets = ByteBuckets });
        _tcpOpened = factory.CreateCounter("istio_tcp_connections_opened_total", "TCP connections opened.", TcpLabelNames);
        _tcpClosed = factory.CreateCounter("istio_tcp_connections_closed_total", "TCP connections closed.", TcpLabelNames);
        _tcpSent = factory.CreateCounter("istio_tcp_sent_bytes_total", "Bytes sent to the downstream peer of TCP connections.", TcpLabelNames);
        _tcpReceived = factory.CreateCounter("istio_tcp_received_bytes_total", "Bytes received from the downstream peer of TCP connections.", TcpLabelNames);
        AccessLogDropped = factory.CreateCounter("mesh_proxy_access_log_dropped_total", "Access log entries dropped because the writer fell behind.");
        _self = Workload.Of(options.Identity);
    }

    public CollectorRegistry Registry { get; }
    public Counter AccessLogDropped { get; }

    public void Record(RequestRecord request)
    {
        var key = new SeriesKey(request.Direction, request.UpstreamCluster, request.Authority, request.Grpc, request.ResponseCode, request.GrpcStatus, request.ResponseFlags,
            request.UpstreamWorkload);
        if (!_series.TryGetValue(key, out var series))
        {
            var labels = Labels(request);
            series = _series.GetOrAdd(key, new Series(
                _requests.WithLabels(labels), _duration.WithLabels(labels), _requestBytes.WithLabels(labels), _responseBytes.WithLabels(labels)));
        }
        series.Requests.Inc();
        series.Duration.Observe(request.Duration.TotalMilliseconds);
        series.RequestBytes.Observe(request.BytesReceived);
        series.ResponseBytes.Observe(request.BytesSent);
    }

    /// <summary>A TCP connection was established to its upstream (Envoy counts at connect).</summary>
    public void TcpOpened(TrafficDirection direction, string cluster, string authority) =>
        _tcpOpened.WithLabels(TcpLabels(new RequestRecord(direction, default, default, "-", "-", "-", authority, null, null, null, null, 0, "-", "-", 0, 0, null,
            cluster, null, "-", "-", false, null))).Inc();

    /// <summary>A TCP connection ended: closed (also when it never reached its upstream, flags saying why) and its bytes.</summary>
    public void TcpClosed(RequestRecord connection)
    {
        var labels = TcpLabels(connection);
        _tcpClosed.WithLabels(labels).Inc();
        _tcpSent.WithLabels(labels).Inc(connection.BytesSent);
        _tcpReceived.WithLabels(labels).Inc(connection.BytesReceived);
    }

    private string[] TcpLabels(RequestRecord connection)
    {
        var all = Labels(connection);
        all[Array.IndexOf(LabelNames, "request_protocol")] = "tcp";
        return [.. TcpLabelIndexes.Select(i => all[i])];
    }

    private readonly record struct SeriesKey(
        TrafficDirection Direction, string? Cluster, string Authority, bool Grpc, int Code, string? GrpcStatus, string Flags,
        Configuration.WorkloadMetadata? Workload);

    private sealed record Series(Counter.Child Requests, Histogram.Child Duration, Histogram.Child RequestBytes, Histogram.Child ResponseBytes);

    internal string[] Labels(RequestRecord request)
    {
        var service = DestinationService(request);
        var (serviceName, serviceNamespace) = NameAndNamespace(service, request.Direction == TrafficDirection.Inbound ? _self.Namespace : Unknown);
        var outbound = request.Direction == TrafficDirection.Outbound;
        // Outbound knows itself as the source; the destination is the picked endpoint's Istio metadata,
        // part by part, else what the service it called tells. Inbound is the mirror image: the peer is
        // unknown until mTLS peer metadata exchange exists.
        var source = outbound ? _self : Workload.UnknownPeer;
        var destination = outbound ? Workload.OfEndpoint(request.UpstreamWorkload, service, serviceNamespace, serviceName) : _self;
        var destinationCluster = outbound && request.UpstreamWorkload is { Cluster.Length: > 0 } w ? w.Cluster : Unknown;
        return
        [
            outbound ? "source" : "destination",
            source.Name, source.Namespace, Unknown, source.App, source.Version, source.CanonicalService, source.CanonicalRevision, Unknown,
            destination.Name, destination.Namespace, Unknown, destination.App, destination.Version,
            service, serviceName, serviceNamespace, destination.CanonicalService, destination.CanonicalRevision, destinationCluster,
            request.Grpc ? "grpc" : "http",
            request.ResponseCode.ToString(CultureInfo.InvariantCulture),
            request.Grpc ? request.GrpcStatus ?? "" : "",
            request.ResponseFlags,
            // Plain text until mTLS: Istio's value for a connection without it.
            "none",
        ];
    }

    /// <summary>The service FQDN: the host of an Istio cluster name (outbound|port|subset|host), else the authority's host.</summary>
    internal static string DestinationService(RequestRecord request)
    {
        if (request.Direction == TrafficDirection.Outbound && request.UpstreamCluster is { } cluster && cluster.StartsWith("outbound|", StringComparison.Ordinal))
        {
            var host = cluster[(cluster.LastIndexOf('|') + 1)..];
            if (host.Length > 0) return host;
        }
        var authority = request.Authority;
        // Strip the port, keeping IPv6 literals whole.
        var colon = authority.LastIndexOf(':');
        var host2 = colon > 0 && authority.IndexOf(']') < colon ? authority[..colon] : authority;
        return host2.Length == 0 ? Unknown : host2;
    }

    /// <summary>name.namespace.svc.cluster.local gives both; other hosts (ServiceEntries) only a name.</summary>
    internal static (string Name, string Namespace) NameAndNamespace(string host, string fallbackNamespace)
    {
        var parts = host.Split('.');
        if (parts.Length >= 3 && parts[2] == "svc") return (parts[0], parts[1]);
        return (parts[0], fallbackNamespace);
    }

    private sealed record Workload(string Name, string Namespace, string App, string Version, string CanonicalService, string CanonicalRevision)
    {
        public static Workload UnknownPeer { get; } = new(Unknown, Unknown, Unknown, Unknown, Unknown, Unknown);

        /// <summary>
        /// An outbound destination. The endpoint encoding has no app or version (Istio's proxy reports
        /// them unknown too); its empty parts fall back to the service's values, as without metadata.
        /// </summary>
        public static Workload OfEndpoint(Configuration.WorkloadMetadata? metadata, string service, string serviceNamespace, string serviceName) => new(
            Or(metadata?.Name, service),
            Or(metadata?.Namespace, serviceNamespace),
            Unknown,
            Unknown,
            Or(metadata?.CanonicalService, serviceName),
            Or(metadata?.CanonicalRevision, "latest"));

        private static string Or(string? value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;

        // Istio's canonical service/revision label precedence; the workload name falls back to it.
        public static Workload Of(Xds.ProxyIdentity identity)
        {
            string? Label(params string[] keys) => keys.Select(k => identity.Labels.GetValueOrDefault(k)).FirstOrDefault(v => !string.IsNullOrEmpty(v));
            var canonical = Label("service.istio.io/canonical-name", "app.kubernetes.io/name", "app") ?? identity.WorkloadName;
            var revision = Label("service.istio.io/canonical-revision", "app.kubernetes.io/version", "version") ?? "latest";
            return new Workload(canonical, identity.Namespace, Label("app") ?? Unknown, Label("version") ?? Unknown, canonical, revision);
        }
    }
}
