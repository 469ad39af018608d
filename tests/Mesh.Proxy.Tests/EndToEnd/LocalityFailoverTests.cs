using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>
/// Locality failover end to end: the real silo orders a ServiceEntry's endpoints into priorities
/// for a sidecar started with --locality, and the sidecar spills to the next priority as outlier
/// detection ejects the local endpoints, then comes back when the ejections run out.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class LocalityFailoverTests(MeshFixture mesh, ITestOutputHelper output)
{
    private const string Host = "locality.mesh.local";
    private static readonly TimeSpan BaseEjection = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task OutlierDetection_LocalEndpointsFail_FailsOverToOtherRegionThenReturns()
    {
        var failing = 0;
        async Task<bool> Fail(HttpContext context, int _)
        {
            if (Volatile.Read(ref failing) == 0) return false;
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsync("failing");
            return true;
        }
        await using var eastA1 = await Backend.StartAsync("east-a-1", Fail);
        await using var eastA2 = await Backend.StartAsync("east-a-2", Fail);
        await using var westB = await Backend.StartAsync("west-b");
        await using var sidecar = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort, extraArgs: ["--locality", "us-east/a"]);
        mesh.Silo.WriteConfig($"{Host}.yaml", Config(eastA1, eastA2, westB));

        // Until the per-locality assignment arrives every endpoint is priority 0 and round robin reaches us-west.
        var clock = Stopwatch.StartNew();
        await SidecarUnderTest.WaitUntilAsync(async () => (await Batch(sidecar, 12)).All(b => b.Body.StartsWith("east-a", StringComparison.Ordinal)),
            () => $"{Host} to be served by us-east/a only");
        output.WriteLine($"config to local-only routing: {clock.ElapsedMilliseconds} ms");

        var steady = await Batch(sidecar, 60);
        Assert.All(steady, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(0, steady.Count(r => r.Body == "west-b"));
        Assert.True(steady.Count(r => r.Body == "east-a-1") > 10 && steady.Count(r => r.Body == "east-a-2") > 10, "round robin over both local endpoints");

        Volatile.Write(ref failing, 1);
        clock.Restart();
        var errors = 0;
        TimeSpan? firstRemote = null;
        await SidecarUnderTest.WaitUntilAsync(async () =>
        {
            var batch = await Batch(sidecar, 10);
            errors += batch.Count(r => r.Status != HttpStatusCode.OK);
            if (firstRemote is null && batch.Any(r => r.Body == "west-b")) firstRemote = clock.Elapsed;
            return batch.All(r => r.Status == HttpStatusCode.OK && r.Body == "west-b");
        }, () => "traffic to fail over to us-west/b");
        var failedOver = clock.Elapsed;
        output.WriteLine($"local endpoints failing: first request to us-west/b after {firstRemote?.TotalMilliseconds:F0} ms, "
            + $"all traffic there after {failedOver.TotalMilliseconds:F0} ms, {errors} x 5xx seen on the way (consecutive5xxErrors 2 per endpoint)");
        Assert.InRange(errors, 1, 8);
        Assert.Contains("::health_flags::/failed_outlier_check", await sidecar.Admin.GetStringAsync("/clusters"));

        Volatile.Write(ref failing, 0);
        clock.Restart();
        var ejectedFor = failedOver;
        await SidecarUnderTest.WaitUntilAsync(async () =>
        {
            var batch = await Batch(sidecar, 12);
            return batch.All(r => r.Status == HttpStatusCode.OK && r.Body.StartsWith("east-a", StringComparison.Ordinal));
        }, () => "traffic to return to us-east/a");
        output.WriteLine($"local endpoints recovered: all traffic back on us-east/a after {clock.ElapsedMilliseconds} ms "
            + $"(base_ejection_time {BaseEjection.TotalSeconds:F0} s, ejected {failedOver.TotalMilliseconds:F0} ms before recovery began)");
        // Traffic cannot come back before the ejections end: they started before failedOver and last BaseEjection.
        Assert.True(clock.Elapsed + failedOver >= BaseEjection - TimeSpan.FromMilliseconds(200),
            $"returned {clock.ElapsedMilliseconds} ms after recovery, {failedOver.TotalMilliseconds:F0} ms after the ejections");
    }

    private static async Task<List<(HttpStatusCode Status, string Body)>> Batch(SidecarUnderTest sidecar, int n)
    {
        var results = new List<(HttpStatusCode, string)>(n);
        for (var i = 0; i < n; i++) results.Add(await sidecar.GetAsync($"{Host}:{MeshConfig.ServicePort}"));
        return results;
    }

    private static string Config(Backend eastA1, Backend eastA2, Backend westB) => $$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: locality, namespace: default}
        spec:
          hosts: [{{Host}}]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: {{MeshConfig.ServicePort}}, name: http, protocol: HTTP}]
          endpoints:
          - {address: 127.0.0.1, ports: {http: {{eastA1.Port}}}, locality: us-east/a}
          - {address: 127.0.0.1, ports: {http: {{eastA2.Port}}}, locality: us-east/a}
          - {address: 127.0.0.1, ports: {http: {{westB.Port}}}, locality: us-west/b}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: locality, namespace: default}
        spec:
          host: {{Host}}
          trafficPolicy:
            outlierDetection: {consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: {{BaseEjection.TotalSeconds}}s, maxEjectionPercent: 100}
        """;
}
