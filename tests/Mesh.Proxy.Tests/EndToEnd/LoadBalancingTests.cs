using System.Net;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>DestinationRule load balancers (consistent hash, least request) through the real silo and sidecar.</summary>
[Collection(MeshCollection.Name)]
public sealed class LoadBalancingTests(MeshFixture mesh, ITestOutputHelper output)
{
    private const int Port = MeshConfig.ServicePort;

    [Fact]
    public async Task ConsistentHashByHeader_SameKeySameBackend_DifferentKeysSpread()
    {
        const string host = "sticky.mesh.local";
        mesh.Silo.WriteConfig($"{host}.yaml", PolicyConfig.Service(host, """
            loadBalancer:
              consistentHash: {httpHeaderName: x-user}
            """, mesh.V1, mesh.V2));
        await mesh.Sidecar.WaitUntilAsync(async () => await PolicyConfig.LbPolicyOf(mesh.Sidecar, host) == "RingHash"
            && await PolicyConfig.RouteOf(mesh.Sidecar, host) is { } route && route.GetProperty("action").GetProperty("hash_policies").GetArrayLength() > 0,
            $"{host}'s ring hash cluster and its route's hash policy");
        // The cluster and route can land before the endpoints (a 503 UH): wait for an answer.
        await mesh.Sidecar.WaitUntilAsync(async () => (await mesh.Sidecar.GetAsync($"{host}:{Port}")).Status == HttpStatusCode.OK, $"{host} to answer");

        var perKey = new Dictionary<string, string>();
        for (var k = 0; k < 20; k++)
        {
            var key = $"user-{k}";
            var bodies = new HashSet<string>();
            for (var i = 0; i < 50; i++)
            {
                var (status, body) = await mesh.Sidecar.GetAsync($"{host}:{Port}", "/", ("x-user", key));
                Assert.Equal(HttpStatusCode.OK, status);
                bodies.Add(body);
            }
            // 50 requests of one key: one backend, where round robin would alternate.
            perKey[key] = Assert.Single(bodies);
        }

        var spread = perKey.Values.GroupBy(b => b).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"20 keys x 50 requests: every key stayed on one backend; keys per backend: {string.Join(", ", spread.Select(s => $"{s.Key} {s.Value}"))}");
        // Both backends own keys: all 20 on one side happens with probability 2 * 2^-20 for an even ring.
        Assert.Equal(2, spread.Count);
    }

    [Fact]
    public async Task ConsistentHashByCookieWithTtl_FirstResponseSetsCookie_RequestsCarryingItStick()
    {
        const string host = "cookie-sticky.mesh.local";
        await using var b3 = await Backend.StartAsync("v3");
        await using var b4 = await Backend.StartAsync("v4");
        mesh.Silo.WriteConfig($"{host}.yaml", PolicyConfig.Service(host, """
            loadBalancer:
              consistentHash:
                httpCookie: {name: mesh-affinity, path: /, ttl: 3600s}
            """, mesh.V1, mesh.V2, b3, b4));
        await mesh.Sidecar.WaitUntilAsync(async () => await PolicyConfig.LbPolicyOf(mesh.Sidecar, host) == "RingHash"
            && await PolicyConfig.RouteOf(mesh.Sidecar, host) is { } route && route.GetProperty("action").GetProperty("hash_policies").GetArrayLength() > 0,
            $"{host}'s ring hash cluster and its route's cookie hash policy");
        // The cluster and route can land before the endpoints (a 503 UH): wait for an answer.
        await mesh.Sidecar.WaitUntilAsync(async () => (await mesh.Sidecar.GetAsync($"{host}:{Port}")).Status == HttpStatusCode.OK, $"{host} to answer");

        var bodies = new Dictionary<string, string>();
        for (var client = 0; client < 6; client++)
        {
            // A new connection per client: Envoy derives the generated value from the downstream connection.
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false });
            using var first = await SendAsync(http, host, cookie: null);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var setCookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
            Assert.Matches("^mesh-affinity=\"[0-9a-f]{16}\"; Max-Age=3600; Path=/; HttpOnly$", setCookie);
            var cookie = setCookie[..setCookie.IndexOf(';')];
            var firstBody = await first.Content.ReadAsStringAsync();

            var seen = new HashSet<string> { firstBody };
            for (var i = 0; i < 15; i++)
            {
                using var response = await SendAsync(http, host, cookie);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.False(response.Headers.Contains("Set-Cookie"), "a request carrying the cookie gets no new one");
                seen.Add(await response.Content.ReadAsStringAsync());
            }
            // The request that got the cookie was routed by it too, so all 16 land on one backend.
            bodies[cookie] = Assert.Single(seen);
        }
        output.WriteLine($"6 generated cookies x 16 requests, each stayed on one backend: {string.Join(", ", bodies.Select(b => $"{b.Key} -> {b.Value}"))}");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpClient http, string host, string? cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{mesh.Sidecar.Options.OutboundPort}/");
        request.Headers.Host = $"{host}:{Port}";
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task LeastRequest_OneBackendSlow_IdleBackendTakesMost()
    {
        const string host = "least.mesh.local";
        await using var slow = await Backend.StartAsync("slow", async (context, _) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), context.RequestAborted);
            return false;
        });
        await using var fast = await Backend.StartAsync("fast");
        mesh.Silo.WriteConfig($"{host}.yaml", PolicyConfig.Service(host, """
            loadBalancer: {simple: LEAST_REQUEST}
            """, slow, fast));
        await mesh.Sidecar.WaitUntilAsync(async () => await PolicyConfig.LbPolicyOf(mesh.Sidecar, host) == "LeastRequest", $"{host}'s LEAST_REQUEST cluster");
        await mesh.Sidecar.WaitUntilAsync(async () => (await mesh.Sidecar.GetAsync($"{host}:{Port}")).Status == HttpStatusCode.OK, $"{host} to answer");

        var (slowBefore, fastBefore) = (slow.Served, fast.Served);
        const int workers = 8;
        const int perWorker = 40;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            for (var i = 0; i < perWorker; i++)
            {
                var (status, _) = await mesh.Sidecar.GetAsync($"{host}:{Port}");
                Assert.Equal(HttpStatusCode.OK, status);
            }
        }));

        var (toSlow, toFast) = (slow.Served - slowBefore, fast.Served - fastBefore);
        output.WriteLine($"{workers} concurrent callers x {perWorker}: slow (200 ms) backend got {toSlow}, fast got {toFast} ({100.0 * toSlow / (toSlow + toFast):F1}% to slow; round robin would send 50%)");
        Assert.Equal(workers * perWorker, toSlow + toFast);
        Assert.InRange(toSlow, 0, workers * perWorker / 5);
    }
}
