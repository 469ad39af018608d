using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Mesh.Proxy.Tests.Observability;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>DestinationRule connectionPool (circuit breakers) and outlierDetection, applied by the sidecar to real backends.</summary>
[Collection(MeshCollection.Name)]
public sealed class CircuitBreakerAndOutlierTests(MeshFixture mesh, ITestOutputHelper output) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{mesh.Sidecar.Options.OutboundPort}"),
        Timeout = TimeSpan.FromSeconds(20),
    };

    public void Dispose() => _client.Dispose();

    [Theory]
    [InlineData("cb-requests.mesh.local", "http: {http2MaxRequests: 1}", "max_requests", 1)]
    [InlineData("cb-pending.mesh.local", "tcp: {maxConnections: 1}\nhttp: {http1MaxPendingRequests: 1}", "max_pending_requests", 2)]
    public async Task ConnectionPool_TenConcurrentToSlowBackend_OverflowAnswers503UOAtOnce(string host, string pool, string threshold, int admitted)
    {
        await using var slow = await Backend.StartAsync("slow", async (context, _) =>
        {
            if (context.Request.Path != "/slow") return false;
            await Task.Delay(TimeSpan.FromSeconds(1), context.RequestAborted);
            await context.Response.WriteAsync("slow");
            return true;
        });
        var policy = "connectionPool:\n" + string.Join('\n', pool.Split('\n').Select(l => "  " + l));
        mesh.Silo.WriteConfig($"{host}.yaml", PolicyConfig.Service(host, policy, slow));
        await mesh.Sidecar.WaitUntilAsync(async () => await ClusterOf(host) is { } c && c.GetProperty("circuit_breakers").GetProperty(threshold).GetUInt32() == 1,
            $"the sidecar to hold {host}'s {threshold} 1");
        await mesh.Sidecar.WaitForBodyAsync($"{host}:8080", "slow");

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            var clock = Stopwatch.StartNew();
            using var response = await SendAsync(host, "/slow");
            var flags = response.Headers.TryGetValues("x-mesh-response-flags", out var values) ? string.Join(',', values) : "-";
            return (response.StatusCode, Flags: flags, Body: await response.Content.ReadAsStringAsync(), clock.Elapsed);
        }));

        var ok = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var overflow = results.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable && r.Flags == "UO").ToList();
        output.WriteLine($"{threshold}=1 ({admitted} admitted at once), 10 concurrent: {ok.Count} x 200 (slowest {ok.Max(r => r.Elapsed.TotalMilliseconds):F0} ms), "
            + $"{overflow.Count} x 503 UO (slowest {overflow.Select(r => r.Elapsed.TotalMilliseconds).DefaultIfEmpty().Max():F0} ms)");
        Assert.Equal(10, ok.Count + overflow.Count);
        Assert.InRange(ok.Count, 1, admitted + 1);
        Assert.All(ok, r => Assert.Equal("slow", r.Body));
        Assert.All(overflow, r => Assert.True(r.Elapsed < TimeSpan.FromMilliseconds(900), $"UO after {r.Elapsed.TotalMilliseconds:F0} ms"));
        Assert.Contains("overflow", overflow[0].Body);
        await mesh.Sidecar.WaitUntilAsync(async () => PrometheusText.Sum(await mesh.Sidecar.ScrapeAsync(), "istio_requests_total",
            ("response_code", "503"), ("response_flags", "UO"), ("destination_service", host)) == overflow.Count,
            $"istio_requests_total{{response_flags=\"UO\"}} for {host} to be {overflow.Count}");
    }

    [Fact]
    public async Task MaxRetries_FiveConcurrentRetriableFailures_OnlyOneRetryAttempted()
    {
        const string host = "cb-retries.mesh.local";
        // A request's first attempt fails with 503 at once; its retry (same x-request-id) is slow and succeeds.
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await using var backend = await Backend.StartAsync("retried", async (context, _) =>
        {
            if (context.Request.Path != "/retry") return false;
            if (seen.AddOrUpdate(context.Request.Headers["x-request-id"].ToString(), 1, (_, n) => n + 1) > 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), context.RequestAborted);
                return false;
            }
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("first attempt");
            return true;
        });
        mesh.Silo.WriteConfig($"{host}.yaml", PolicyConfig.Service(host, "connectionPool: {http: {maxRetries: 1}}", backend) + "\n---\n" + PolicyConfig.Route(host, """
            retries: {attempts: 3, retryOn: 5xx}
            route:
            - destination: {host: cb-retries.mesh.local}
            """));
        await mesh.Sidecar.WaitUntilAsync(async () => await ClusterOf(host) is { } c && c.GetProperty("circuit_breakers").GetProperty("max_retries").GetUInt32() == 1,
            $"the sidecar to hold {host}'s max_retries 1");
        await mesh.Sidecar.WaitUntilAsync(async () => await PolicyConfig.RouteOf(mesh.Sidecar, host) is { } r && r.GetProperty("action").GetProperty("retry").ValueKind == JsonValueKind.Object,
            $"the sidecar to hold {host}'s retry policy");
        // The route can land before the endpoints (a 503 UH that would count as a failed first attempt).
        await mesh.Sidecar.WaitUntilAsync(async () =>
        {
            using var answer = await SendAsync(host, "/");
            return answer.StatusCode == HttpStatusCode.OK;
        }, $"{host} to answer");

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            using var response = await SendAsync(host, "/retry");
            return response.StatusCode;
        }));

        var retried = seen.Values.Count(n => n > 1);
        output.WriteLine($"max_retries=1, 5 concurrent: {results.Count(s => s == HttpStatusCode.OK)} x 200 after a retry, "
            + $"{results.Count(s => s == HttpStatusCode.ServiceUnavailable)} x 503 not retried; retries reaching the backend: {retried}");
        Assert.Equal(1, retried);
        Assert.Equal(1, results.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(4, results.Count(s => s == HttpStatusCode.ServiceUnavailable));
    }

    [Fact]
    public async Task OutlierDetection_BackendAlways500_EjectedThenTriedAgainAfterBaseEjectionTime()
    {
        const string host = "outlier.mesh.local";
        await using var bad = await Backend.StartAsync("bad", async (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsync("bad");
            return true;
        });
        await using var good = await Backend.StartAsync("good");
        mesh.Silo.WriteConfig($"{host}.yaml", PolicyConfig.Service(host, "outlierDetection: {consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 1s}", bad, good));
        await mesh.Sidecar.WaitUntilAsync(async () => await ClusterOf(host) is { } c && c.GetProperty("outlier_detection").ValueKind == JsonValueKind.Object,
            $"the sidecar to hold {host}'s outlier_detection");

        // Round robin alternates: the bad endpoint's second consecutive 500 ejects it.
        await mesh.Sidecar.WaitUntilAsync(async () =>
        {
            using var _ = await SendAsync(host, "/");
            return await Ejected(host, bad);
        }, $"{host}'s bad endpoint to show /failed_outlier_check in /clusters");
        var ejectedAt = Stopwatch.StartNew();

        var (badBefore, goodBefore) = (bad.Served, good.Served);
        for (var i = 0; i < 10; i++)
        {
            using var response = await SendAsync(host, "/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var during = ejectedAt.Elapsed;
        output.WriteLine($"while ejected ({during.TotalMilliseconds:F0} ms): bad served {bad.Served - badBefore}, good served {good.Served - goodBefore} of 10");
        Assert.True(during < TimeSpan.FromSeconds(1), "the batch outlasted the ejection; the figures above are not conclusive");
        Assert.Equal((0, 10), (bad.Served - badBefore, good.Served - goodBefore));

        await mesh.Sidecar.WaitUntilAsync(async () =>
        {
            using var _ = await SendAsync(host, "/");
            return bad.Served > badBefore;
        }, $"{host}'s bad endpoint to be tried again");
        output.WriteLine($"bad endpoint tried again {ejectedAt.Elapsed.TotalMilliseconds:F0} ms after its ejection was observed (base_ejection_time 1 s)");
        Assert.True(ejectedAt.Elapsed >= TimeSpan.FromMilliseconds(900), $"tried again after {ejectedAt.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Contains($"127.0.0.1:{bad.Port}::outlier::ejections::", await mesh.Sidecar.Admin.GetStringAsync("/clusters"));
    }

    private async Task<HttpResponseMessage> SendAsync(string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = $"{host}:{MeshConfig.ServicePort}";
        return await _client.SendAsync(request);
    }

    private async Task<bool> Ejected(string host, Backend backend) =>
        (await mesh.Sidecar.Admin.GetStringAsync("/clusters")).Contains(
            $"outbound|{MeshConfig.ServicePort}||{host}::127.0.0.1:{backend.Port}::health_flags::/failed_outlier_check", StringComparison.Ordinal);

    private async Task<JsonElement?> ClusterOf(string host)
    {
        using var dump = JsonDocument.Parse(await mesh.Sidecar.Admin.GetStringAsync("/config_dump"));
        var name = $"outbound|{MeshConfig.ServicePort}||{host}";
        return dump.RootElement.GetProperty("clusters").EnumerateArray().Where(c => c.GetProperty("name").GetString() == name).Select(c => c.Clone()).FirstOrDefault() is { ValueKind: JsonValueKind.Object } found ? found : null;
    }
}
