using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>Fault injection and mirroring through the real silo and sidecar, against real backends.</summary>
[Collection(MeshCollection.Name)]
public sealed class FaultAndMirrorTests(MeshFixture mesh, ITestOutputHelper output) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(20) };

    private async Task<HttpResponseMessage> SendAsync(string host, HttpMethod? method = null, string path = "/", string? body = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, $"http://127.0.0.1:{mesh.Sidecar.Options.OutboundPort}{path}");
        request.Headers.Host = $"{host}:{MeshConfig.ServicePort}";
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
        return await _client.SendAsync(request);
    }

    private async Task ConfigureAsync(string host, Backend primary, string route, string? extra = null)
    {
        mesh.Silo.WriteConfig($"{host}.yaml", PolicyConfig.Service(host, null, primary) + "\n---\n" + PolicyConfig.Route(host, route) + (extra is null ? "" : "\n---\n" + extra));
    }

    private Task WaitForRouteAsync(string host, string property) =>
        mesh.Sidecar.WaitUntilAsync(async () => await PolicyConfig.RouteOf(mesh.Sidecar, host) is { } route
            && (route.TryGetProperty(property, out var value) || route.GetProperty("action").TryGetProperty(property, out value))
            && value.ValueKind is not (System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined)
            && !(value.ValueKind == System.Text.Json.JsonValueKind.Array && value.GetArrayLength() == 0),
            $"the sidecar to hold {host}'s route with {property}");

    [Fact]
    public async Task FaultAbort_100Percent_AnswersStatusWithoutReachingBackend()
    {
        const string host = "fault-abort.mesh.local";
        await using var backend = await Backend.StartAsync("untouched");
        await ConfigureAsync(host, backend, """
            fault:
              abort: {httpStatus: 503, percentage: {value: 100}}
            route:
            - destination: {host: fault-abort.mesh.local, subset: v1}
            """);
        await WaitForRouteAsync(host, "fault");

        var served = backend.Served;
        for (var i = 0; i < 20; i++)
        {
            using var response = await SendAsync(host);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("fault filter abort", await response.Content.ReadAsStringAsync());
            Assert.Equal("FI", response.Headers.GetValues("x-mesh-response-flags").Single());
        }
        Assert.Equal(served, backend.Served);
    }

    [Fact]
    public async Task FaultAbort_GrpcStatus_Http200WithGrpcStatusUnavailable()
    {
        const string host = "fault-grpc.mesh.local";
        await using var backend = await Backend.StartAsync("untouched");
        await ConfigureAsync(host, backend, """
            fault:
              abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}
            route:
            - destination: {host: fault-grpc.mesh.local, subset: v1}
            """);
        await WaitForRouteAsync(host, "fault");

        using var response = await SendAsync(host, HttpMethod.Post, "/echo.Echo/Say");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("14", response.Headers.GetValues("grpc-status").Single());
        Assert.Equal(0, backend.Served);
    }

    [Fact]
    public async Task FaultDelay_100Percent_AddsAtLeastTheDelay()
    {
        const string host = "fault-delay.mesh.local";
        await using var backend = await Backend.StartAsync("delayed");
        await ConfigureAsync(host, backend, """
            fault:
              delay: {fixedDelay: 300ms, percentage: {value: 100}}
            route:
            - destination: {host: fault-delay.mesh.local, subset: v1}
            """);
        await WaitForRouteAsync(host, "fault");

        var elapsed = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await SendAsync(host);
            var body = await response.Content.ReadAsStringAsync();
            elapsed.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal((HttpStatusCode.OK, "delayed"), (response.StatusCode, body));
        }

        output.WriteLine($"fixed delay 300 ms: calls took {string.Join(", ", elapsed.Select(e => $"{e:F0}"))} ms");
        Assert.All(elapsed, e => Assert.InRange(e, 300, 3000));
    }

    [Fact]
    public async Task FaultAbort_50Percent_WithinFourSigma()
    {
        const string host = "fault-half.mesh.local";
        await using var backend = await Backend.StartAsync("ok");
        await ConfigureAsync(host, backend, """
            fault:
              abort: {httpStatus: 500, percentage: {value: 50}}
            route:
            - destination: {host: fault-half.mesh.local, subset: v1}
            """);
        await WaitForRouteAsync(host, "fault");

        const int n = 400;
        var aborted = 0;
        var served = backend.Served;
        for (var i = 0; i < n; i++)
        {
            using var response = await SendAsync(host);
            if (response.StatusCode == HttpStatusCode.InternalServerError) aborted++;
            else Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Binomial(400, 0.5): mean 200, sd sqrt(400 * 0.25) = 10; ±40 (4 sd) fails a correct proxy about once in 16,000 runs.
        output.WriteLine($"abort 50% over {n} requests: {aborted} aborted ({100.0 * aborted / n:F1}%), {backend.Served - served} reached the backend; expected 200 ± 40");
        Assert.InRange(aborted, 160, 240);
        Assert.Equal(n - aborted, backend.Served - served);
    }

    [Fact]
    public async Task Mirror_100Percent_MirrorReceivesCopyCallerSeesOnlyPrimary()
    {
        const string host = "mirrored.mesh.local";
        const string shadow = "shadow-target.mesh.local";
        var seen = new ConcurrentQueue<(string? Host, string Path, string Body)>();
        await using var primary = await Backend.StartAsync("primary");
        await using var mirror = await Backend.StartAsync("mirror", async (context, _) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            seen.Enqueue((context.Request.Host.Value, context.Request.Path + context.Request.QueryString, await reader.ReadToEndAsync()));
            return false;
        });
        await ConfigureAsync(host, primary, $$"""
            mirror: {host: {{shadow}}}
            mirrorPercentage: {value: 100}
            route:
            - destination: {host: {{host}}, subset: v1}
            """, PolicyConfig.Service(shadow, null, mirror));
        await WaitForRouteAsync(host, "mirrors");
        await mesh.Sidecar.WaitUntilAsync(async () => await PolicyConfig.LbPolicyOf(mesh.Sidecar, shadow) is not null, "the mirror's cluster");

        const int n = 20;
        var bodies = new List<string>();
        for (var i = 0; i < n; i++)
        {
            using var response = await SendAsync(host, HttpMethod.Post, $"/orders?id={i}", $"order {i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }
        await SidecarUnderTest.WaitUntilAsync(() => Task.FromResult(seen.Count >= n), () => $"the mirror to receive {n} copies (has {seen.Count})");

        Assert.All(bodies, b => Assert.Equal("primary", b));
        Assert.Equal(n, primary.Served);
        Assert.All(seen, s => Assert.Equal($"{host}-shadow:{MeshConfig.ServicePort}", s.Host));
        Assert.Equal(Enumerable.Range(0, n).Select(i => ($"/orders?id={i}", $"order {i}")).ToHashSet(), seen.Select(s => (s.Path, s.Body)).ToHashSet());
        output.WriteLine($"{n} POSTs: caller saw \"primary\" {bodies.Count(b => b == "primary")} times; mirror received {seen.Count} copies with Host {seen.First().Host}");
    }

    [Fact]
    public async Task Mirror_SlowMirror_CallerNotSlowedDown()
    {
        const string host = "mirror-slow.mesh.local";
        const string shadow = "shadow-slow.mesh.local";
        await using var primary = await Backend.StartAsync("primary");
        await using var mirror = await Backend.StartAsync("mirror", async (context, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2), context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return true;
        });
        await ConfigureAsync(host, primary, $$"""
            mirror: {host: {{shadow}}}
            route:
            - destination: {host: {{host}}, subset: v1}
            """, PolicyConfig.Service(shadow, null, mirror));
        await WaitForRouteAsync(host, "mirrors");
        await mesh.Sidecar.WaitUntilAsync(async () => await PolicyConfig.LbPolicyOf(mesh.Sidecar, shadow) is not null, "the mirror's cluster");

        var elapsed = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await SendAsync(host);
            var body = await response.Content.ReadAsStringAsync();
            elapsed.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal((HttpStatusCode.OK, "primary"), (response.StatusCode, body));
        }
        await SidecarUnderTest.WaitUntilAsync(() => Task.FromResult(mirror.Served >= 10), () => $"the slow mirror to receive 10 copies (has {mirror.Served})");

        output.WriteLine($"mirror answering 500 after 2 s: caller latencies {string.Join(", ", elapsed.Select(e => $"{e:F0}"))} ms (max {elapsed.Max():F0})");
        Assert.All(elapsed, e => Assert.InRange(e, 0, 1000));
    }

    [Fact]
    public async Task Mirror_BodyOverLimit_PrimaryGetsItMirrorDoesNot()
    {
        const string host = "mirror-big.mesh.local";
        const string shadow = "shadow-big.mesh.local";
        var mirrored = new ConcurrentQueue<int>();
        var received = new ConcurrentQueue<int>();
        async Task<bool> Length(HttpContext context, ConcurrentQueue<int> into)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            into.Enqueue((int)buffer.Length);
            return false;
        }
        await using var primary = await Backend.StartAsync("primary", (c, _) => Length(c, received));
        await using var mirror = await Backend.StartAsync("mirror", (c, _) => Length(c, mirrored));
        await ConfigureAsync(host, primary, $$"""
            mirror: {host: {{shadow}}}
            route:
            - destination: {host: {{host}}, subset: v1}
            """, PolicyConfig.Service(shadow, null, mirror));
        await WaitForRouteAsync(host, "mirrors");
        await mesh.Sidecar.WaitUntilAsync(async () => await PolicyConfig.LbPolicyOf(mesh.Sidecar, shadow) is not null, "the mirror's cluster");

        using (var big = await SendAsync(host, HttpMethod.Post, "/big", new string('x', 100 * 1024))) Assert.Equal(HttpStatusCode.OK, big.StatusCode);
        using (var small = await SendAsync(host, HttpMethod.Post, "/small", "tiny")) Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        await mesh.Sidecar.WaitUntilAsync(() => Task.FromResult(mirrored.Contains(4)), "the small body's copy at the mirror");

        Assert.Equal([100 * 1024, 4], received.ToArray());
        Assert.DoesNotContain(100 * 1024, mirrored);
    }

    public void Dispose() => _client.Dispose();
}
