using System.Collections.Immutable;
using System.Text.Json;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Xds;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Tests.Observability;

public sealed class ObservabilityOptionsTests
{
    [Fact]
    public void Parse_StatsAndAccessLogFlags()
    {
        var defaults = ProxyOptions.Parse([], _ => null);
        var set = ProxyOptions.Parse(["--stats-port", "19090", "--access-log", "/tmp/a.log", "--access-log-format", "json"], _ => null);

        Assert.Equal((15090, "off", AccessLogFormat.Text), (defaults.StatsPort, defaults.AccessLog, defaults.AccessLogFormat));
        Assert.Equal((19090, "/tmp/a.log", AccessLogFormat.Json), (set.StatsPort, set.AccessLog, set.AccessLogFormat));
        Assert.Contains("expected text or json", Assert.Throws<ArgumentException>(() => ProxyOptions.Parse(["--access-log-format", "xml"], _ => null)).Message);
    }
}

public sealed class ResponseFlagsTests
{
    [Theory]
    [InlineData("NR", ForwarderError.None, false, 404, "NR", "route_not_found")]
    [InlineData("UH", ForwarderError.None, false, 503, "UH", "no_healthy_upstream")]
    [InlineData(null, ForwarderError.Request, false, 502, "UF", "upstream_reset_before_response_started{connection_failure}")]
    [InlineData(null, ForwarderError.RequestTimedOut, false, 504, "UT", "response_timeout")]
    [InlineData(null, ForwarderError.ResponseBodyClient, true, 200, "DC", "downstream_remote_disconnect")]
    [InlineData(null, ForwarderError.None, true, 0, "DC", "downstream_remote_disconnect")]
    public void Compute_MapsLocalRepliesAndForwarderErrorsToEnvoyFlags(string? local, ForwarderError error, bool aborted, int status, string flags, string details)
    {
        var observation = new RequestObservation();
        observation.OnUpstream("outbound|80||a", "127.0.0.1:1");

        Assert.Equal((flags, details), ResponseFlags.Compute(local, error, aborted, observation, status));
    }

    [Fact]
    public void Compute_UpstreamResponse_DashAndViaUpstream()
    {
        var observation = new RequestObservation();
        observation.OnUpstream("c", "127.0.0.1:1");

        Assert.Equal(("-", "via_upstream"), ResponseFlags.Compute(null, ForwarderError.None, false, observation, 200));
        Assert.Equal(("-", "direct_response"), ResponseFlags.Compute(null, ForwarderError.None, false, new RequestObservation(), 200));
    }

    [Fact]
    public void Compute_LastAllowedAttemptStillRetriable_AddsUrx()
    {
        var retry = new RetrySpec(2, On5xx: true, OnGatewayError: false, OnConnectFailure: true, OnReset: false, RetriableStatusCodes: [], PerTryTimeout: null);
        var route = new RouteEntry("r", new RouteMatchSpec(PathMatchSpec.CatchAll, [], []),
            new ForwardAction([new WeightedTarget("c", 1, HeaderOperations.None)], null, retry, null, null), HeaderOperations.None);
        var observation = new RequestObservation();
        var endpoint = new EndpointSnapshot("127.0.0.1", 1, EndpointHealth.Healthy, 1, 0, "");

        observation.OnAttempt(route, "c", endpoint, 2);
        var notYet = ResponseFlags.Compute(null, ForwarderError.None, false, observation, 503);
        observation.OnAttempt(route, "c", endpoint, 3);
        var exhausted = ResponseFlags.Compute(null, ForwarderError.None, false, observation, 503);
        var connectFailure = ResponseFlags.Compute(null, ForwarderError.Request, false, observation, 502);
        var succeeded = ResponseFlags.Compute(null, ForwarderError.None, false, observation, 200);

        Assert.Equal("-", notYet.Flags);
        Assert.Equal("URX", exhausted.Flags);
        Assert.Equal("UF,URX", connectFailure.Flags);
        Assert.Equal("-", succeeded.Flags);
    }

    [Fact]
    public void Compute_FaultFilterMarks_DelayThenAbort()
    {
        Assert.Equal("DI,FI", ResponseFlags.Compute("FI", ForwarderError.None, false, new RequestObservation(), 503, "DI,FI").Flags);
        Assert.Equal("DI", ResponseFlags.Compute(null, ForwarderError.None, false, new RequestObservation(), 200, "DI").Flags);
    }
}

public sealed class TraceHeadersTests
{
    [Fact]
    public void EnsureRequestId_AbsentGeneratesUuid_PresentKept()
    {
        var empty = new HeaderDictionary();
        var given = new HeaderDictionary { ["x-request-id"] = "abc" };

        var generated = TraceHeaders.EnsureRequestId(empty);

        Assert.True(Guid.TryParse(generated, out _));
        Assert.Equal(generated, empty["x-request-id"].ToString());
        Assert.Equal("abc", TraceHeaders.EnsureRequestId(given));
    }

    [Theory]
    [InlineData("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("x-b3-traceid", "80f198ee56343ba864fe8b2a57d3eff7", "80f198ee56343ba864fe8b2a57d3eff7")]
    [InlineData("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90", "80f198ee56343ba864fe8b2a57d3eff7")]
    [InlineData("b3", "0", null)]
    public void TraceId_W3cOrB3(string header, string value, string? expected)
    {
        Assert.Equal(expected, TraceHeaders.TraceId(new HeaderDictionary { [header] = value }));
    }
}

public sealed class AccessLogFormatterTests
{
    internal static RequestRecord Sample(string? requestId = "req-1") => new(
        TrafficDirection.Outbound,
        new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.Zero),
        TimeSpan.FromMilliseconds(12.7),
        "GET", "/api/v1?x=1", "HTTP/1.1", "reviews.default.svc.cluster.local:8080", requestId, "curl/8", null, null,
        200, "-", "via_upstream", 0, 42, "default", "outbound|8080|v1|reviews.default.svc.cluster.local", "10.0.0.2:9080",
        "127.0.0.1:15001", "127.0.0.1:50000", Grpc: false, GrpcStatus: null);

    [Fact]
    public void Text_IstioDefaultFormat()
    {
        Assert.Equal(
            "[2024-05-06T07:08:09.123Z] \"GET /api/v1?x=1 HTTP/1.1\" 200 - via_upstream - \"-\" 0 42 12 - \"-\" \"curl/8\" \"req-1\" "
            + "\"reviews.default.svc.cluster.local:8080\" \"10.0.0.2:9080\" outbound|8080|v1|reviews.default.svc.cluster.local - "
            + "127.0.0.1:15001 127.0.0.1:50000 - default",
            AccessLogFormatter.Text(Sample()));
    }

    [Fact]
    public void Json_IstioKeys_MissingValuesNull()
    {
        using var json = JsonDocument.Parse(AccessLogFormatter.Json(Sample(requestId: null)));
        var root = json.RootElement;

        Assert.Equal("GET", root.GetProperty("method").GetString());
        Assert.Equal(200, root.GetProperty("response_code").GetInt32());
        Assert.Equal("-", root.GetProperty("response_flags").GetString());
        Assert.Equal("10.0.0.2:9080", root.GetProperty("upstream_host").GetString());
        Assert.Equal(42, root.GetProperty("bytes_sent").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("request_id").ValueKind);
    }
}

public sealed class ProxyMetricsTests
{
    private static ObservabilityOptions Options(string labels = "app=productpage,version=v1") =>
        new(new ProxyIdentity("10.0.0.1", "productpage-1", "shop", "sa", ProxyOptions.Labels(labels)), AppPort: 9080);

    [Fact]
    public void Labels_Outbound_SourceIsSelfDestinationFromClusterHost()
    {
        var labels = Named(new ProxyMetrics(Options()), AccessLogFormatterTests.Sample());

        Assert.Equal("source", labels["reporter"]);
        Assert.Equal(("productpage", "shop", "unknown"), (labels["source_workload"], labels["source_workload_namespace"], labels["source_principal"]));
        Assert.Equal("reviews.default.svc.cluster.local", labels["destination_service"]);
        Assert.Equal(("reviews", "default"), (labels["destination_service_name"], labels["destination_service_namespace"]));
        Assert.Equal(("200", "-", "http"), (labels["response_code"], labels["response_flags"], labels["request_protocol"]));
    }

    [Fact]
    public void Labels_OutboundEndpointMetadata_DestinationIsThePickedWorkload()
    {
        var record = AccessLogFormatterTests.Sample() with { UpstreamWorkload = new("reviews-v2", "default", "reviews", "v2", "east") };

        var labels = Named(new ProxyMetrics(Options()), record);

        Assert.Equal(("reviews-v2", "default"), (labels["destination_workload"], labels["destination_workload_namespace"]));
        Assert.Equal(("reviews", "v2", "east"), (labels["destination_canonical_service"], labels["destination_canonical_revision"], labels["destination_cluster"]));
        // Istio's endpoint encoding carries no app or version label.
        Assert.Equal(("unknown", "unknown"), (labels["destination_app"], labels["destination_version"]));
        Assert.Equal("reviews.default.svc.cluster.local", labels["destination_service"]);
    }

    [Fact]
    public void Labels_OutboundEmptyMetadataParts_FallBackToTheService()
    {
        var withEmpty = Named(new ProxyMetrics(Options()), AccessLogFormatterTests.Sample() with { UpstreamWorkload = new("", "", "", "", "") });
        var without = Named(new ProxyMetrics(Options()), AccessLogFormatterTests.Sample());

        Assert.Equal(without, withEmpty);
        Assert.Equal(("reviews.default.svc.cluster.local", "reviews", "latest"),
            (without["destination_workload"], without["destination_canonical_service"], without["destination_canonical_revision"]));
    }

    [Fact]
    public async Task Record_TwoEndpointsOfOneCluster_SeparateSeriesPerWorkload()
    {
        var metrics = new ProxyMetrics(Options());

        metrics.Record(AccessLogFormatterTests.Sample() with { UpstreamWorkload = new("reviews-v1", "default", "reviews", "v1", "") });
        metrics.Record(AccessLogFormatterTests.Sample() with { UpstreamWorkload = new("reviews-v2", "default", "reviews", "v2", "") });
        metrics.Record(AccessLogFormatterTests.Sample() with { UpstreamWorkload = new("reviews-v2", "default", "reviews", "v2", "") });

        var scrape = await Scrape(metrics);
        Assert.Equal(1, PrometheusText.Sum(scrape, "istio_requests_total", ("destination_workload", "reviews-v1")));
        Assert.Equal(2, PrometheusText.Sum(scrape, "istio_requests_total", ("destination_workload", "reviews-v2")));
    }

    [Fact]
    public void Labels_InboundNoRoute_DestinationIsSelfServiceFromAuthority()
    {
        var inbound = AccessLogFormatterTests.Sample() with
        {
            Direction = TrafficDirection.Inbound, Authority = "productpage.mesh.local:9080", UpstreamCluster = "inbound|9080||", Grpc = true, GrpcStatus = "14",
        };

        var labels = Named(new ProxyMetrics(Options()), inbound);

        Assert.Equal(("destination", "unknown", "productpage"), (labels["reporter"], labels["source_workload"], labels["destination_workload"]));
        Assert.Equal(("productpage.mesh.local", "productpage", "shop"), (labels["destination_service"], labels["destination_service_name"], labels["destination_service_namespace"]));
        Assert.Equal(("grpc", "14"), (labels["request_protocol"], labels["grpc_response_status"]));
    }

    [Fact]
    public async Task Record_TwoInstances_SeparateRegistries()
    {
        var a = new ProxyMetrics(Options());
        var b = new ProxyMetrics(Options());

        a.Record(AccessLogFormatterTests.Sample());
        a.Record(AccessLogFormatterTests.Sample());

        var scrapeA = await Scrape(a);
        Assert.Contains("istio_requests_total{", scrapeA);
        Assert.Equal(2, PrometheusText.Sum(scrapeA, "istio_requests_total", ("reporter", "source"), ("response_code", "200")));
        Assert.Equal(2, PrometheusText.Sum(scrapeA, "istio_request_duration_milliseconds_count", ("reporter", "source")));
        Assert.Equal(0, PrometheusText.Sum(await Scrape(b), "istio_requests_total"));
    }

    private static async Task<string> Scrape(ProxyMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static Dictionary<string, string> Named(ProxyMetrics metrics, RequestRecord record)
    {
        var values = metrics.Labels(record);
        string[] names =
        [
            "reporter", "source_workload", "source_workload_namespace", "source_principal", "source_app", "source_version",
            "source_canonical_service", "source_canonical_revision", "source_cluster",
            "destination_workload", "destination_workload_namespace", "destination_principal", "destination_app", "destination_version",
            "destination_service", "destination_service_name", "destination_service_namespace",
            "destination_canonical_service", "destination_canonical_revision", "destination_cluster",
            "request_protocol", "response_code", "grpc_response_status", "response_flags", "connection_security_policy",
        ];
        Assert.Equal(names.Length, values.Length);
        return names.Zip(values).ToDictionary(p => p.First, p => p.Second);
    }
}
