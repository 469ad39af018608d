using Mesh.Interop.Tests.Infrastructure;

namespace Mesh.Interop.Tests.Tests;

/// <summary>Retries as grpc-js-xds performs them from the route's retry_policy.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Interop")]
public sealed class RetryTests(MeshFixture mesh, ITestOutputHelper output)
{
    private const int FailFirst = 3;
    private const int Calls = 10;

    [Fact]
    public async Task Retries_hide_a_backend_failing_its_first_calls()
    {
        await using var t = new TestScope(mesh, output, "retry");
        var backend = await t.BackendAsync("flaky", failFirst: FailFirst);
        await t.ApplyAsync(
            Yaml.ServiceEntry(t.Host, backend)
            + Yaml.VirtualService(t.Host, $$$"""
                - retries: {attempts: 3, retryOn: unavailable}
                  route: [{destination: {host: {{{t.Host}}}}}]
                """));

        // Sequential, so the first call absorbs all the failures: attempts 1-3 fail, the 4th succeeds.
        var result = await t.RunClientAsync(new ClientRun(t.Target) { Calls = Calls });
        var received = await backend.StopAndCountAsync();

        t.Log($"with retries (attempts: 3): {result.Ok}/{Calls} succeeded, backend received {received} calls ({FailFirst} failed)");
        Assert.Equal(Calls, result.Ok);
        Assert.Equal(Calls + FailFirst, received);
    }

    [Fact]
    public async Task Without_retries_the_same_failures_reach_the_caller()
    {
        await using var t = new TestScope(mesh, output, "noretry");
        var backend = await t.BackendAsync("flaky", failFirst: FailFirst);
        // attempts: 0 is Istio's way of saying "no retries" (its default would retry twice).
        await t.ApplyAsync(
            Yaml.ServiceEntry(t.Host, backend)
            + Yaml.VirtualService(t.Host, $$$"""
                - retries: {attempts: 0}
                  route: [{destination: {host: {{{t.Host}}}}}]
                """));

        var result = await t.RunClientAsync(new ClientRun(t.Target) { Calls = Calls });
        var received = await backend.StopAndCountAsync();

        t.Log($"without retries (attempts: 0): {result.Ok}/{Calls} succeeded, errors {string.Join(", ", result.Errors.Select(e => $"{e.Key}={e.Value}"))}, backend received {received}; samples {result.ErrorSamples}");
        Assert.Equal(new Dictionary<string, int> { ["UNAVAILABLE"] = FailFirst }, result.Errors);
        Assert.Equal(Calls - FailFirst, result.Ok);
        Assert.Equal(Calls, received);
    }
}
