using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Mesh.Proxy.Tests.Observability;
using Mesh.Testing;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>Istio metrics, access logs and trace headers, through the real silo, sidecar and backends.</summary>
[Collection(MeshCollection.Name)]
public sealed class ObservabilityTests(MeshFixture mesh)
{
    private const int Port = MeshConfig.ServicePort;

    [Fact]
    public async Task Metrics_NRequests_RequestsTotalCountsNWithIstioLabels()
    {
        const string host = "metrics.mesh.local";
        await using var sidecar = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort);
        mesh.Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, mesh.V1, mesh.V2) + "\n---\n" + MeshConfig.Only(host, "v1"));
        await sidecar.WaitForBodyAsync($"{host}:{Port}", "v1");
        (string, string)[] labels =
        [
            ("reporter", "source"), ("source_workload", "client"), ("source_workload_namespace", "default"), ("source_principal", "unknown"),
            ("destination_workload", host), ("destination_service", host), ("destination_service_name", "metrics"),
            ("request_protocol", "http"), ("response_code", "200"), ("grpc_response_status", ""), ("response_flags", "-"),
        ];
        // The readiness polling above made requests too: count from what the sidecar reports now.
        var before = await CountAsync(sidecar, "istio_requests_total", labels);

        const int n = 7;
        for (var i = 0; i < n; i++) Assert.Equal(HttpStatusCode.OK, (await sidecar.GetAsync($"{host}:{Port}")).Status);

        await sidecar.WaitUntilAsync(async () => await CountAsync(sidecar, "istio_requests_total", labels) >= before + n, $"istio_requests_total to reach {before + n}");
        var scrape = await sidecar.ScrapeAsync();
        Assert.Equal(before + n, PrometheusText.Sum(scrape, "istio_requests_total", labels));
        Assert.Equal(before + n, PrometheusText.Sum(scrape, "istio_request_duration_milliseconds_count", labels));
        Assert.Equal(before + n, PrometheusText.Sum(scrape, "istio_response_bytes_count", labels));
        // Each response body is "v1".
        Assert.Equal(2 * (before + n), PrometheusText.Sum(scrape, "istio_response_bytes_sum", labels));
    }

    [Fact]
    public async Task Metrics_WorkloadEntryEndpoints_DestinationWorkloadIsThePickedOne()
    {
        const string host = "workloads.mesh.local";
        await using var sidecar = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort);
        mesh.Silo.WriteConfig($"{host}.yaml", $$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: workloads, namespace: default}
            spec:
              hosts: [{{host}}]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: {{Port}}, name: http, protocol: HTTP}]
              workloadSelector:
                labels: {app: workloads-app}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: workloads-vm-a, namespace: default}
            spec:
              address: 127.0.0.1
              ports: {http: {{mesh.V1.Port}}}
              labels: {app: workloads-app, version: v1}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: workloads-vm-b, namespace: default}
            spec:
              address: 127.0.0.1
              ports: {http: {{mesh.V2.Port}}}
              labels: {app: workloads-app, version: v2}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: workloads, namespace: default}
            spec:
              host: {{host}}
              subsets:
              - name: v1
                labels: {version: v1}
              - name: v2
                labels: {version: v2}
            ---
            {{MeshConfig.Only(host, "v2")}}
            """);
        await sidecar.WaitForBodyAsync($"{host}:{Port}", "v2");
        (string, string)[] picked =
        [
            ("reporter", "source"), ("destination_service", host), ("destination_workload", "workloads-vm-b"), ("destination_workload_namespace", "default"),
            ("destination_canonical_service", "workloads-app"), ("destination_canonical_revision", "v2"), ("response_code", "200"),
        ];
        (string, string)[] other = [("destination_service", host), ("destination_workload", "workloads-vm-a")];
        var scrape = await sidecar.ScrapeAsync();
        var (pickedBefore, otherBefore) = (PrometheusText.Sum(scrape, "istio_requests_total", picked), PrometheusText.Sum(scrape, "istio_requests_total", other));

        const int n = 5;
        for (var i = 0; i < n; i++) Assert.Equal((HttpStatusCode.OK, "v2"), await sidecar.GetAsync($"{host}:{Port}"));

        await sidecar.WaitUntilAsync(async () => PrometheusText.Sum(await sidecar.ScrapeAsync(), "istio_requests_total", picked) >= pickedBefore + n,
            $"{n} requests counted with destination_workload workloads-vm-b");
        scrape = await sidecar.ScrapeAsync();
        Assert.Equal(pickedBefore + n, PrometheusText.Sum(scrape, "istio_requests_total", picked));
        Assert.Equal(otherBefore, PrometheusText.Sum(scrape, "istio_requests_total", other));
    }

    [Fact]
    public async Task Metrics_NoRouteAndRefusedEndpoint_ResponseFlagsNrAndUfUrx()
    {
        const string host = "deadend.mesh.local";
        await using var sidecar = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort);
        // An endpoint on a port nobody listens on: every connect is refused.
        mesh.Silo.WriteConfig($"{host}.yaml", $"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {"{"}name: deadend, namespace: default{"}"}
            spec:
              hosts: [{host}]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{"{"}number: {Port}, name: http, protocol: HTTP{"}"}]
              endpoints: [{"{"}address: 127.0.0.1, ports: {"{"}http: {FreePorts.Take(1)[0]}{"}"}{"}"}]
            """);

        Assert.Equal(HttpStatusCode.NotFound, (await sidecar.GetAsync("nowhere.mesh.local:8080")).Status);
        await sidecar.WaitUntilAsync(async () => (await sidecar.GetAsync($"{host}:{Port}")).Status != HttpStatusCode.NotFound, $"{host} to be routed");

        var scrape = "";
        await SidecarUnderTest.WaitUntilAsync(async () =>
        {
            // The route can land before the endpoints (a 503 UH): ask again until the refused connect is counted.
            await sidecar.GetAsync($"{host}:{Port}");
            scrape = await sidecar.ScrapeAsync();
            return PrometheusText.Sum(scrape, "istio_requests_total", ("response_code", "404"), ("response_flags", "NR"), ("destination_service", "nowhere.mesh.local")) == 1
                // Istio's default retry policy (2 retries on connect-failure) runs out on a refused port: Envoy's UF,URX.
                && PrometheusText.Sum(scrape, "istio_requests_total", ("response_flags", "UF,URX"), ("destination_service", host)) >= 1;
        }, () => "NR and UF,URX series in /stats/prometheus, got:\n" + string.Join('\n', PrometheusText.Series(scrape, "istio_requests_total")));
    }

    [Fact]
    public async Task AccessLog_Text_OneLinePerRequestWithStatusFlagsAndUpstream()
    {
        const string host = "accesslog.mesh.local";
        var path = Path.Combine(Path.GetTempPath(), $"mesh-access-{Guid.NewGuid():N}.log");
        try
        {
            await using var sidecar = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort, extraArgs: ["--access-log", path]);
            mesh.Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, mesh.V1, mesh.V2) + "\n---\n" + MeshConfig.Only(host, "v1"));
            await sidecar.WaitForBodyAsync($"{host}:{Port}", "v1");

            for (var i = 0; i < 3; i++) await sidecar.GetAsync($"{host}:{Port}", $"/log/{i}?q=1", ("user-agent", "obs-test"));
            await sidecar.GetAsync("nowhere.mesh.local:8080", "/nr");

            var lines = await WaitForLinesAsync(sidecar, path, l => l.Contains("/log/2?q=1", StringComparison.Ordinal) || l.Contains("\"GET /nr ", StringComparison.Ordinal), 2);
            for (var i = 0; i < 3; i++)
            {
                var line = Assert.Single(lines, l => l.Contains($" /log/{i}?q=1 ", StringComparison.Ordinal));
                Assert.Contains($"\"GET /log/{i}?q=1 HTTP/1.1\" 200 - via_upstream ", line);
                Assert.Contains($"\"obs-test\"", line);
                Assert.Contains($"\"{host}:{Port}\" \"127.0.0.1:{mesh.V1.Port}\" outbound|{Port}|v1|{host} ", line);
                Assert.Matches("^\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\] ", line);
            }
            var nr = Assert.Single(lines, l => l.Contains("\"GET /nr ", StringComparison.Ordinal));
            Assert.Contains("\"GET /nr HTTP/1.1\" 404 NR route_not_found ", nr);
            Assert.Contains("\"nowhere.mesh.local:8080\" \"-\" - ", nr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AccessLog_Json_ParsesWithBytesAndRequestId()
    {
        const string host = "jsonlog.mesh.local";
        var path = Path.Combine(Path.GetTempPath(), $"mesh-access-{Guid.NewGuid():N}.log");
        try
        {
            await using var sidecar = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort, extraArgs: ["--access-log", path, "--access-log-format", "json"]);
            mesh.Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, mesh.V1, mesh.V2) + "\n---\n" + MeshConfig.Only(host, "v2"));
            await sidecar.WaitForBodyAsync($"{host}:{Port}", "v2");
            using var client = new HttpClient();
            using var post = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{sidecar.Options.OutboundPort}/upload")
            {
                Content = new StringContent("0123456789", Encoding.UTF8),
            };
            post.Headers.Host = $"{host}:{Port}";
            post.Headers.Add("x-request-id", "json-test-1");
            using var response = await client.SendAsync(post);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            var lines = await WaitForLinesAsync(sidecar, path, l => l.Contains("/upload", StringComparison.Ordinal), 1);
            var entries = lines.Select(l => JsonDocument.Parse(l)).ToList();
            var upload = Assert.Single(entries, e => e.RootElement.GetProperty("path").GetString() == "/upload").RootElement;
            Assert.Equal("POST", upload.GetProperty("method").GetString());
            Assert.Equal(200, upload.GetProperty("response_code").GetInt32());
            Assert.Equal("-", upload.GetProperty("response_flags").GetString());
            Assert.Equal(10, upload.GetProperty("bytes_received").GetInt64());
            Assert.Equal(2, upload.GetProperty("bytes_sent").GetInt64());
            Assert.Equal("json-test-1", upload.GetProperty("request_id").GetString());
            Assert.Equal($"127.0.0.1:{mesh.V2.Port}", upload.GetProperty("upstream_host").GetString());
            Assert.Equal($"outbound|{Port}|v2|{host}", upload.GetProperty("upstream_cluster").GetString());
            foreach (var entry in entries) entry.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task TraceHeaders_Outbound_ArriveUnchanged_RequestIdGeneratedWhenAbsent()
    {
        const string host = "trace.mesh.local";
        var seen = new ConcurrentDictionary<string, IHeaderDictionary>();
        await using var backend = await Backend.StartAsync("trace", Capture(seen));
        mesh.Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, backend, backend) + "\n---\n" + MeshConfig.Only(host, "v1"));
        await mesh.Sidecar.WaitForBodyAsync($"{host}:{Port}", "trace");
        (string Name, string Value)[] trace =
        [
            ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), ("tracestate", "congo=t61rcWkgMzE"),
            ("x-b3-traceid", "80f198ee56343ba864fe8b2a57d3eff7"), ("x-b3-spanid", "e457b5a2e4d86bd1"),
            ("x-b3-parentspanid", "05e3ac9a4f6e3b90"), ("x-b3-sampled", "1"),
            ("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"),
        ];

        await mesh.Sidecar.GetAsync($"{host}:{Port}", "/", [("x-test", "traced"), .. trace]);
        await mesh.Sidecar.GetAsync($"{host}:{Port}", "/", ("x-test", "given-id"), ("x-request-id", "caller-id"));

        var traced = seen["traced"];
        foreach (var (name, value) in trace) Assert.Equal(value, traced[name].ToString());
        Assert.True(Guid.TryParse(traced["x-request-id"].ToString(), out _), $"generated x-request-id, got \"{traced["x-request-id"]}\"");
        Assert.Equal("caller-id", seen["given-id"]["x-request-id"].ToString());
    }

    [Fact]
    public async Task Inbound_TraceHeadersAndRequestId_ReachApp_ReportedAsDestination()
    {
        var seen = new ConcurrentDictionary<string, IHeaderDictionary>();
        await using var app = await Backend.StartAsync("app", Capture(seen));
        await using var sidecar = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort, appPort: app.Port, labels: "app=server,version=v2");
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{sidecar.Options.InboundPort}/in");
        request.Headers.Host = "server.mesh.local:8080";
        request.Headers.Add("x-test", "inbound");
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        using var response = await client.SendAsync(request);

        Assert.Equal("app", await response.Content.ReadAsStringAsync());
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", seen["inbound"]["traceparent"].ToString());
        Assert.True(Guid.TryParse(seen["inbound"]["x-request-id"].ToString(), out _));
        await sidecar.WaitUntilAsync(async () => PrometheusText.Sum(await sidecar.ScrapeAsync(), "istio_requests_total",
            ("reporter", "destination"), ("destination_workload", "server"), ("destination_version", "v2"), ("destination_service", "server.mesh.local"),
            ("source_workload", "unknown"), ("response_code", "200")) == 1, "an inbound series reported by the destination");
    }

    private static Func<HttpContext, int, Task<bool>> Capture(ConcurrentDictionary<string, IHeaderDictionary> seen) => (context, _) =>
    {
        if (context.Request.Headers.TryGetValue("x-test", out var key)) seen[key.ToString()] = new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase));
        return Task.FromResult(false);
    };

    private static async Task<double> CountAsync(SidecarUnderTest sidecar, string metric, (string, string)[] labels) =>
        PrometheusText.Sum(await sidecar.ScrapeAsync(), metric, labels);

    /// <summary>Polls the access log file until `expected` lines satisfy the predicate; returns every line.</summary>
    private static async Task<List<string>> WaitForLinesAsync(SidecarUnderTest sidecar, string path, Func<string, bool> predicate, int expected)
    {
        var lines = new List<string>();
        await sidecar.WaitUntilAsync(async () =>
        {
            if (!File.Exists(path)) return false;
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            lines = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            return lines.Count(predicate) >= expected;
        }, $"{expected} matching access log lines in {path}");
        return lines;
    }
}
