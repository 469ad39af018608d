using Mesh.Interop.Tests.Infrastructure;

namespace Mesh.Interop.Tests.Tests;

/// <summary>Routes as grpc-js-xds applies them: the one backend, weighted subsets, header matches.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Interop")]
public sealed class RoutingTests(MeshFixture mesh, ITestOutputHelper output)
{
    [Fact]
    public async Task Plain_service_entry_routes_every_call_to_its_backend()
    {
        await using var t = new TestScope(mesh, output, "plain");
        var solo = await t.BackendAsync("solo");
        await t.ApplyAsync(Yaml.ServiceEntry(t.Host, solo));

        var result = await t.RunClientAsync(new ClientRun(t.Target) { Calls = 100, Concurrency = 4 });

        Assert.True(result.Ready, $"channel never became READY: {result}");
        Assert.Equal(100, result.Ok);
        Assert.Equal(new Dictionary<string, int> { ["solo"] = 100 }, result.Backends);
        Assert.Equal(100, await solo.StopAndCountAsync());
    }

    [Fact]
    public async Task Weighted_route_splits_90_10()
    {
        await using var t = new TestScope(mesh, output, "weighted");
        var v1 = await t.BackendAsync("v1");
        var v2 = await t.BackendAsync("v2");
        await t.ApplyAsync(
            Yaml.ServiceEntry(t.Host, v1, v2)
            + Yaml.DestinationRule(t.Host, ["v1", "v2"])
            + Yaml.VirtualService(t.Host, $$$"""
                - route:
                  - {destination: {host: {{{t.Host}}}, subset: v1}, weight: 90}
                  - {destination: {host: {{{t.Host}}}, subset: v2}, weight: 10}
                """));

        const int calls = 400;
        var result = await t.RunClientAsync(new ClientRun(t.Target) { Calls = calls, Concurrency = 4 });

        Assert.Equal(calls, result.Ok);
        Assert.Equal(calls, result.BackendCount("v1") + result.BackendCount("v2"));
        // grpc-js-xds picks a cluster per call at random in proportion to the weights, so the v2
        // count is Binomial(400, 0.1): mean 40, sigma 6. Mean ± 5 sigma = [10, 70] is missed by a
        // correct split about once in 1.7 million runs, and excludes 50/50, 80/20 or a reversed split.
        var (low, high) = Stats.BinomialRange(calls, 0.10);
        var v2Count = result.BackendCount("v2");
        t.Log($"weighted 90/10 over {calls} calls: v1={result.BackendCount("v1")} ({100.0 * result.BackendCount("v1") / calls:0.0}%), v2={v2Count} ({100.0 * v2Count / calls:0.0}%); accepted v2 range [{low}, {high}]");
        Assert.InRange(v2Count, low, high);
    }

    [Fact]
    public async Task Header_match_sends_canary_calls_to_v2_and_splits_the_rest()
    {
        await using var t = new TestScope(mesh, output, "header");
        var v1 = await t.BackendAsync("v1");
        var v2 = await t.BackendAsync("v2");
        await t.ApplyAsync(
            Yaml.ServiceEntry(t.Host, v1, v2)
            + Yaml.DestinationRule(t.Host, ["v1", "v2"])
            + Yaml.VirtualService(t.Host, $$$"""
                - match:
                  - headers: {x-canary: {exact: "yes"}}
                  route: [{destination: {host: {{{t.Host}}}, subset: v2}}]
                - route:
                  - {destination: {host: {{{t.Host}}}, subset: v1}, weight: 50}
                  - {destination: {host: {{{t.Host}}}, subset: v2}, weight: 50}
                """));

        var canary = await t.RunClientAsync(
            new ClientRun(t.Target) { Calls = 100, Concurrency = 4, Headers = new Dictionary<string, string> { ["x-canary"] = "yes" } },
            "header-canary");
        var other = await t.RunClientAsync(
            new ClientRun(t.Target) { Calls = 200, Concurrency = 4, Headers = new Dictionary<string, string> { ["x-canary"] = "no" } },
            "header-other");

        t.Log($"x-canary: yes -> {Format(canary.Backends)}; x-canary: no -> {Format(other.Backends)}");
        Assert.Equal(new Dictionary<string, int> { ["v2"] = 100 }, canary.Backends);
        Assert.Equal(200, other.Ok);
        // Binomial(200, 0.5): mean 100, sigma 7.1; ± 5 sigma = [64, 136]. All-v2 (the header rule
        // applied to everything) or all-v1 (the split ignored) both fall far outside.
        var (low, high) = Stats.BinomialRange(200, 0.5);
        Assert.InRange(other.BackendCount("v1"), low, high);
        Assert.Equal(200, other.BackendCount("v1") + other.BackendCount("v2"));
    }

    private static string Format(IReadOnlyDictionary<string, int> counts) =>
        string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}"));
}
