using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>Real silo, real sidecar, real backends on loopback: traffic rules applied to real requests.</summary>
[Collection(MeshCollection.Name)]
public sealed class RoutingTests(MeshFixture mesh, ITestOutputHelper output)
{
    private const int Port = MeshConfig.ServicePort;

    [Fact]
    public async Task Outbound_HostHeaderOfService_ReachesBackendWithAuthorityPreserved()
    {
        const string host = "plain.mesh.local";
        await mesh.AddServiceAsync(host, MeshConfig.Only(host, "v1"), "v1");

        var (status, body) = await mesh.Sidecar.GetAsync($"{host}:{Port}");

        Assert.Equal((HttpStatusCode.OK, "v1"), (status, body));
        Assert.Equal($"{host}:{Port}", mesh.V1.LastHost);
    }

    [Fact]
    public async Task Outbound_AsHttpProxy_AbsoluteFormRequestReachesBackend()
    {
        const string host = "proxied.mesh.local";
        await mesh.AddServiceAsync(host, MeshConfig.Only(host, "v2"), "v2");
        using var client = new HttpClient(new SocketsHttpHandler
        {
            Proxy = new WebProxy($"http://127.0.0.1:{mesh.Sidecar.Options.OutboundPort}"),
            UseProxy = true,
        });

        var body = await client.GetStringAsync($"http://{host}:{Port}/some/path");

        Assert.Equal("v2", body);
    }

    [Fact]
    public async Task Outbound_UnknownAuthority_Answers404()
    {
        var (status, _) = await mesh.Sidecar.GetAsync("nowhere.mesh.local:8080");

        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task WeightedClusters_NinetyTen_SplitWithinFourSigma()
    {
        const string host = "canary.mesh.local";
        // Wait on a 100% v2 rule first, so every request below is routed by the 90/10 rule that follows.
        await mesh.AddServiceAsync(host, MeshConfig.Only(host, "v2"), "v2");
        mesh.Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, mesh.V1, mesh.V2) + "\n---\n" + MeshConfig.Split(host, 90, 10));
        await mesh.Sidecar.WaitForBodyAsync($"{host}:{Port}", "v1");
        await WaitForSplitConfigAsync(host);

        const int n = 500;
        var v2 = 0;
        for (var i = 0; i < n; i++)
        {
            var (status, body) = await mesh.Sidecar.GetAsync($"{host}:{Port}");
            Assert.Equal(HttpStatusCode.OK, status);
            if (body == "v2") v2++;
        }

        // Binomial(500, 0.1): mean 50, sd sqrt(500 * 0.1 * 0.9) = 6.7; 4 sd (27) fails a correct proxy about once in 16,000 runs.
        output.WriteLine($"90/10 split over {n} requests: v1 {n - v2} ({100.0 * (n - v2) / n:F1}%), v2 {v2} ({100.0 * v2 / n:F1}%); expected 50 ± 27 to v2");
        Assert.InRange(v2, 50 - 27, 50 + 27);
    }

    [Fact]
    public async Task HeaderMatch_EndUserJason_RoutesToV2OthersToV1()
    {
        const string host = "reviews.mesh.local";
        await mesh.AddServiceAsync(host, MeshConfig.HeaderRoute(host), "v1");
        await mesh.Sidecar.WaitForBodyAsync($"{host}:{Port}", "v2", ("end-user", "jason"));

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("v2", (await mesh.Sidecar.GetAsync($"{host}:{Port}", "/", ("end-user", "jason"))).Body);
            Assert.Equal("v1", (await mesh.Sidecar.GetAsync($"{host}:{Port}", "/", ("end-user", "alice"))).Body);
            Assert.Equal("v1", (await mesh.Sidecar.GetAsync($"{host}:{Port}")).Body);
        }
    }

    [Fact]
    public async Task ConfigChange_UnderConcurrentLoad_ShiftsTrafficWithZeroFailures()
    {
        const string host = "shift.mesh.local";
        await mesh.AddServiceAsync(host, MeshConfig.Only(host, "v1"), "v1");

        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var counts = new int[2];
        var firstV2 = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var (status, body) = await mesh.Sidecar.GetAsync($"{host}:{Port}");
                    if (status != HttpStatusCode.OK || body is not ("v1" or "v2")) lock (failures) failures.Add($"{(int)status} {body}");
                    else Interlocked.Increment(ref counts[body == "v1" ? 0 : 1]);
                    if (body == "v2") firstV2.TrySetResult(clock.Elapsed);
                }
                catch (HttpRequestException e)
                {
                    lock (failures) failures.Add(e.Message);
                }
            }
        })).ToList();

        await mesh.Sidecar.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref counts[0]) > 200), "load to be flowing to v1");
        clock.Start();
        mesh.Silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, mesh.V1, mesh.V2) + "\n---\n" + MeshConfig.Only(host, "v2"));
        var shifted = await firstV2.Task.WaitAsync(SidecarUnderTest.Deadline);
        // Once shifted, v2 alone must answer: wait for 200 more v2 responses, then stop.
        var v2AtShift = Volatile.Read(ref counts[1]);
        await mesh.Sidecar.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref counts[1]) > v2AtShift + 200), "200 more responses from v2");
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        output.WriteLine($"config change under load (8 concurrent clients): first v2 response {shifted.TotalMilliseconds:F0} ms after the YAML write; " +
            $"{counts[0]} v1 + {counts[1]} v2 responses, {failures.Count} failures");
        Assert.Empty(failures);
        Assert.Equal("v2", (await mesh.Sidecar.GetAsync($"{host}:{Port}")).Body);
    }

    /// <summary>Polls until both subsets have answered at least once: the split rule is in force.</summary>
    private async Task WaitForSplitConfigAsync(string host)
    {
        var seen = new HashSet<string>();
        await mesh.Sidecar.WaitUntilAsync(async () =>
        {
            seen.Add((await mesh.Sidecar.GetAsync($"{host}:{Port}")).Body);
            return seen.Contains("v1") && seen.Contains("v2");
        }, "both v1 and v2 to answer under the 90/10 rule");
    }
}
