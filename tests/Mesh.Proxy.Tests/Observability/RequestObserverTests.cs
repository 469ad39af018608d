using System.Diagnostics;
using System.Text;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Xds;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.Observability;

public sealed class RequestObserverTests(ITestOutputHelper output)
{
    private static ObservabilityOptions Options(string accessLog = "off") =>
        new(new ProxyIdentity("10.0.0.1", "client-1", "default", "sa", ProxyOptions.Labels("app=client,version=v1")), AppPort: 8080, AccessLog: accessLog);

    private static (RequestObserver Observer, ProxyMetrics Metrics, AccessLogWriter Log) Create(string accessLog = "off")
    {
        var options = Options(accessLog);
        var metrics = new ProxyMetrics(options);
        var log = new AccessLogWriter(options, metrics, NullLogger<AccessLogWriter>.Instance);
        return (new RequestObserver(options, metrics, log, TimeProvider.System), metrics, log);
    }

    private static DefaultHttpContext Request(string? body = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = body is null ? "GET" : "POST";
        context.Request.Path = "/p";
        context.Request.Host = new HostString("svc.mesh.local:8080");
        context.Request.Protocol = "HTTP/1.1";
        if (body is not null) context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        return context;
    }

    [Fact]
    public async Task Observe_CountsBodyBytesOnBothWritePaths_AndRequestId()
    {
        var (observer, metrics, _) = Create();
        var context = Request(body: "abcd");
        string? seenRequestId = null;

        await observer.ObserveAsync(context, async c =>
        {
            seenRequestId = c.Request.Headers["x-request-id"];
            var buffer = new byte[16];
            while (await c.Request.Body.ReadAsync(buffer) > 0) { }
            await c.Response.WriteAsync("hello");
            await c.Response.Body.WriteAsync("abc"u8.ToArray());
        }, TrafficDirection.Inbound);

        var scrape = await Scrape(metrics);
        Assert.True(Guid.TryParse(seenRequestId, out _));
        Assert.Equal(1, PrometheusText.Sum(scrape, "istio_requests_total", ("reporter", "destination"), ("response_code", "200"), ("response_flags", "-")));
        Assert.Equal(4, PrometheusText.Sum(scrape, "istio_request_bytes_sum"));
        Assert.Equal(8, PrometheusText.Sum(scrape, "istio_response_bytes_sum"));
    }

    [Fact]
    public async Task Observe_LocalReplyFlag_InMetrics()
    {
        var (observer, metrics, _) = Create();

        await observer.ObserveAsync(Request(), c =>
        {
            c.Response.StatusCode = 404;
            c.Response.Headers[ResponseFlags.Header] = "NR";
            return Task.CompletedTask;
        }, TrafficDirection.Outbound);

        Assert.Equal(1, PrometheusText.Sum(await Scrape(metrics), "istio_requests_total", ("response_code", "404"), ("response_flags", "NR"), ("destination_service", "svc.mesh.local")));
    }

    [Fact]
    public async Task Observe_FullQueue_DropsAndCounts()
    {
        var path = Path.GetTempFileName();
        try
        {
            // Writer never started: the queue fills at its capacity and the rest is dropped, not awaited.
            var options = Options(path) with { AccessLogCapacity = 4 };
            var metrics = new ProxyMetrics(options);
            var log = new AccessLogWriter(options, metrics, NullLogger<AccessLogWriter>.Instance);
            var observer = new RequestObserver(options, metrics, log, TimeProvider.System);

            for (var i = 0; i < 10; i++) await observer.ObserveAsync(Request(), _ => Task.CompletedTask, TrafficDirection.Outbound);

            Assert.Equal(6, metrics.AccessLogDropped.Value);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Not a benchmark gate: prints the observer's cost per request (metrics, and metrics plus a running access log).</summary>
    [Fact]
    public async Task Observe_PerRequestOverhead_Measured()
    {
        const int n = 50_000;
        var path = Path.GetTempFileName();
        try
        {
            var plain = Create();
            var logged = Create(path);
            await logged.Log.StartAsync(CancellationToken.None);
            RequestDelegate next = c => { c.Response.StatusCode = 200; return Task.CompletedTask; };

            async Task<double> Measure(Func<HttpContext, Task> run)
            {
                for (var i = 0; i < 2_000; i++) await run(Request());
                var watch = Stopwatch.StartNew();
                for (var i = 0; i < n; i++) await run(Request());
                return watch.Elapsed.TotalNanoseconds / n;
            }

            // Best of three rounds, interleaved, so tiered JIT and GC noise do not favour whichever runs last.
            double baseline = double.MaxValue, metricsOnly = double.MaxValue, withLog = double.MaxValue, record = double.MaxValue;
            var sample = AccessLogFormatterTests.Sample();
            for (var round = 0; round < 3; round++)
            {
                baseline = Math.Min(baseline, await Measure(c => next(c)));
                metricsOnly = Math.Min(metricsOnly, await Measure(c => plain.Observer.ObserveAsync(c, next, TrafficDirection.Outbound)));
                withLog = Math.Min(withLog, await Measure(c => logged.Observer.ObserveAsync(c, next, TrafficDirection.Outbound)));
                record = Math.Min(record, await Measure(_ => { plain.Metrics.Record(sample); return Task.CompletedTask; }) - baseline);
            }
            await logged.Log.StopAsync(CancellationToken.None);

            output.WriteLine($"per request: handler alone {baseline:F0} ns; observer (metrics) +{metricsOnly - baseline:F0} ns, of which ProxyMetrics.Record {record:F0} ns; " +
                $"observer (metrics + text access log to a file) +{withLog - baseline:F0} ns; access log entries dropped in the burst: {logged.Metrics.AccessLogDropped.Value}");
            Assert.True(metricsOnly - baseline < 100_000, "the observer should cost microseconds, not tenths of milliseconds");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<string> Scrape(ProxyMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
