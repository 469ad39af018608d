using Mesh.Interop.Tests.Infrastructure;

namespace Mesh.Interop.Tests.Tests;

/// <summary>A VirtualService timeout, which grpc-js-xds reads from the route's max_stream_duration (gRFC A31).</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Interop")]
public sealed class TimeoutTests(MeshFixture mesh, ITestOutputHelper output)
{
    [Fact]
    public async Task Route_timeout_cuts_calls_to_a_slow_backend()
    {
        await using var t = new TestScope(mesh, output, "timeout");
        var slow = await t.BackendAsync("slow", delayMs: 1500);
        await t.ApplyAsync(
            Yaml.ServiceEntry(t.Host, slow)
            + Yaml.VirtualService(t.Host, $$$"""
                - timeout: 200ms
                  route: [{destination: {host: {{{t.Host}}}}}]
                """));

        const int calls = 6;
        // The client's own deadline (5 s) is far beyond both: only the route's timeout can end the calls early.
        var result = await t.RunClientAsync(new ClientRun(t.Target) { Calls = calls, Concurrency = 3, DeadlineMs = 5000 });

        t.Log($"route timeout 200ms, backend answers after 1500ms: errors {string.Join(", ", result.Errors.Select(e => $"{e.Key}={e.Value}"))}; latency min={result.LatencyMs["min"]}ms max={result.LatencyMs["max"]}ms");
        Assert.Equal(new Dictionary<string, int> { ["DEADLINE_EXCEEDED"] = calls }, result.Errors);
        Assert.InRange(result.LatencyMs["min"], 195, 1500);
        Assert.True(result.LatencyMs["max"] < 1500, $"a call outlived the 200 ms route timeout: {result}");
    }
}
