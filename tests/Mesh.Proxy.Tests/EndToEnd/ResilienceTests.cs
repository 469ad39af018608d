using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>Route timeouts, retries and local replies against real backends, through the shared silo and sidecar.</summary>
[Collection(MeshCollection.Name)]
public sealed class ResilienceTests(MeshFixture mesh, ITestOutputHelper output)
{
    [Fact]
    public async Task Retries_FlakyBackendFailingEveryOtherRequest_CallerSeesOnlySuccess()
    {
        const string host = "flaky.mesh.local";
        // Odd-numbered requests fail with 503; a retry lands on the next, even-numbered one.
        await using var flaky = await Backend.StartAsync("flaky", async (context, n) =>
        {
            if (n % 2 == 0) return false;
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("down");
            return true;
        });
        mesh.Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, flaky, mesh.V2) + "\n---\n" + VirtualService(host, """
              retries: {attempts: 2, retryOn: 5xx}
              route:
              - destination: {host: flaky.mesh.local, subset: v1}
            """));
        await mesh.Sidecar.WaitForBodyAsync($"{host}:8080", "flaky");

        var served = flaky.Served;
        for (var i = 0; i < 50; i++)
        {
            var (status, body) = await mesh.Sidecar.GetAsync($"{host}:8080");
            Assert.Equal((HttpStatusCode.OK, "flaky"), (status, body));
        }
        output.WriteLine($"50 calls answered 200 while the backend served {flaky.Served - served} requests (every other one a 503)");
        Assert.InRange(flaky.Served - served, 75, 100);
    }

    [Theory]
    [InlineData("retriable-4xx,reset", 0)]
    [InlineData("connect-failure", 20)]
    public async Task Retries_ConflictsAndResets_RetriedOnlyUnderTheirConditions(string retryOn, int expectedFailures)
    {
        var host = $"conflict{expectedFailures}.mesh.local";
        // Of every four requests to /flaky one answers 409 and one resets the connection before any response.
        var flaky = 0;
        await using var backend = await Backend.StartAsync("ok", async (context, _) =>
        {
            if (context.Request.Path != "/flaky") return false;
            switch (Interlocked.Increment(ref flaky) % 4)
            {
                case 1:
                    context.Response.StatusCode = StatusCodes.Status409Conflict;
                    await context.Response.WriteAsync("conflict");
                    return true;
                case 3:
                    context.Abort();
                    return true;
                default:
                    return false;
            }
        });
        mesh.Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, backend, mesh.V2) + "\n---\n" + VirtualService(host, $$"""
              retries: {attempts: 2, retryOn: "{{retryOn}}"}
              route:
              - destination: {host: {{host}}, subset: v1}
            """));
        await mesh.Sidecar.WaitForBodyAsync($"{host}:8080", "ok");

        var failures = 0;
        var started = Stopwatch.StartNew();
        for (var i = 0; i < 40; i++)
        {
            var (status, body) = await mesh.Sidecar.GetAsync($"{host}:8080", "/flaky");
            if (status != HttpStatusCode.OK) failures++;
            else Assert.Equal("ok", body);
        }
        output.WriteLine($"retryOn {retryOn}: {failures} of 40 calls failed in {started.ElapsedMilliseconds} ms");
        // Unretried, every other call meets a 409 or a reset (502): 20 of 40.
        Assert.Equal(expectedFailures, failures);
    }

    [Fact]
    public async Task Timeout_SlowBackend_Answers504AfterRouteTimeout()
    {
        const string host = "slow.mesh.local";
        await using var slow = await Backend.StartAsync("slow", async (context, _) =>
        {
            if (context.Request.Path != "/slow") return false;
            try { await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted); } catch (OperationCanceledException) { }
            return true;
        });
        mesh.Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, slow, mesh.V2) + "\n---\n" + VirtualService(host, """
              timeout: 0.3s
              retries: {attempts: 0}
              route:
              - destination: {host: slow.mesh.local, subset: v1}
            """));
        await mesh.Sidecar.WaitForBodyAsync($"{host}:8080", "slow");

        var clock = Stopwatch.StartNew();
        var (status, body) = await mesh.Sidecar.GetAsync($"{host}:8080", "/slow");
        clock.Stop();

        output.WriteLine($"route timeout 300 ms: {(int)status} \"{body}\" after {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal((HttpStatusCode.GatewayTimeout, "upstream request timeout"), (status, body));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task DirectResponseAndRedirect_AnsweredByTheSidecar()
    {
        const string host = "local.mesh.local";
        mesh.Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, mesh.V1, mesh.V2) + "\n---\n" + VirtualService(host, """
              match: [{uri: {prefix: /teapot}}]
              directResponse: {status: 418, body: {string: "short and stout"}}
            - match: [{uri: {prefix: /old}}]
              redirect: {uri: /new, authority: new.mesh.local}
            - route:
              - destination: {host: local.mesh.local, subset: v1}
            """));
        await mesh.Sidecar.WaitForBodyAsync($"{host}:8080", "v1");
        await mesh.Sidecar.WaitUntilAsync(async () => (await mesh.Sidecar.GetAsync($"{host}:8080", "/teapot")).Status == (HttpStatusCode)418, "the direct response route");

        Assert.Equal(((HttpStatusCode)418, "short and stout"), await mesh.Sidecar.GetAsync($"{host}:8080", "/teapot"));
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{mesh.Sidecar.Options.OutboundPort}/old?x=1");
        request.Headers.Host = $"{host}:8080";
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        // As Envoy: host_redirect replaces the whole authority, port included, unless port_redirect is set.
        Assert.Equal("http://new.mesh.local/new?x=1", response.Headers.Location?.ToString());
    }

    /// <summary>A VirtualService with one http route (given as YAML under "- ").</summary>
    private static string VirtualService(string host, string route) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: {host.Split('.')[0]}
          namespace: default
        spec:
          hosts: [{host}]
          http:
          - {route.TrimStart().Replace("\n", "\n  ")}
        """;
}
