using Mesh.Interop.Tests.Infrastructure;

namespace Mesh.Interop.Tests.Tests;

/// <summary>Fault injection, carried out by grpc-js-xds's fault filter from what the silo serves.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Interop")]
public sealed class FaultTests(MeshFixture mesh, ITestOutputHelper output)
{
    [Theory]
    [InlineData("abort-grpc", "grpcStatus: PERMISSION_DENIED", "PERMISSION_DENIED")]
    [InlineData("abort-http", "httpStatus: 401", "UNAUTHENTICATED")] // grpc-js maps HTTP 401 to UNAUTHENTICATED (gRFC A33)
    public async Task Abort_at_100_percent_fails_every_call_with_the_status(string name, string abort, string expectedStatus)
    {
        await using var t = new TestScope(mesh, output, name);
        var backend = await t.BackendAsync("solo");
        await t.ApplyAsync(
            Yaml.ServiceEntry(t.Host, backend)
            + Yaml.VirtualService(t.Host, $$$"""
                - fault:
                    abort: {{{{abort}}}, percentage: {value: 100}}
                  route: [{destination: {host: {{{t.Host}}}}}]
                """));

        const int calls = 50;
        var result = await t.RunClientAsync(new ClientRun(t.Target) { Calls = calls, Concurrency = 4 });

        t.Log($"abort ({abort}): {result.Failed}/{calls} failed, errors {string.Join(", ", result.Errors.Select(e => $"{e.Key}={e.Value}"))}; samples {result.ErrorSamples}");
        Assert.True(result.Ready, $"channel never became READY (the abort is per call, the channel should still connect): {result}");
        Assert.Equal(0, result.Ok);
        Assert.Equal(new Dictionary<string, int> { [expectedStatus] = calls }, result.Errors);
        // The filter aborts before the call leaves the client.
        Assert.Equal(0, await backend.StopAndCountAsync());
    }

    [Fact]
    public async Task Fixed_delay_at_100_percent_delays_every_call()
    {
        await using var t = new TestScope(mesh, output, "delay");
        var backend = await t.BackendAsync("solo");
        await t.ApplyAsync(
            Yaml.ServiceEntry(t.Host, backend)
            + Yaml.VirtualService(t.Host, $$$"""
                - fault:
                    delay: {fixedDelay: 300ms, percentage: {value: 100}}
                  route: [{destination: {host: {{{t.Host}}}}}]
                """));

        const int calls = 12;
        var result = await t.RunClientAsync(new ClientRun(t.Target) { Calls = calls, Concurrency = 4 });

        var min = result.LatencyMs["min"];
        t.Log($"delay 300ms: latency min={min}ms p50={result.LatencyMs["p50"]}ms max={result.LatencyMs["max"]}ms over {calls} calls");
        Assert.Equal(calls, result.Ok);
        // Node timers may fire up to 1 ms early (ms rounding); an undelayed call here takes ~1-5 ms.
        Assert.True(min >= 299, $"fastest call took {min} ms, less than the 300 ms injected delay: {result}");
    }
}
