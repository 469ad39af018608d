using System.Text.Json;
using Mesh.Interop.Tests.Infrastructure;

namespace Mesh.Interop.Tests.Tests;

/// <summary>A config file edit reaching a connected client's traffic, timed.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Interop")]
public sealed class ConfigChangeTests(MeshFixture mesh, ITestOutputHelper output)
{
    [Fact]
    public async Task Editing_the_virtual_service_shifts_traffic_from_v1_to_v2()
    {
        await using var t = new TestScope(mesh, output, "shift");
        var v1 = await t.BackendAsync("v1");
        var v2 = await t.BackendAsync("v2");
        string Config(string subset) =>
            Yaml.ServiceEntry(t.Host, v1, v2)
            + Yaml.DestinationRule(t.Host, ["v1", "v2"])
            + Yaml.VirtualService(t.Host, $$$"""
                - route: [{destination: {host: {{{t.Host}}}, subset: {{{subset}}}}}]
                """);
        await t.ApplyAsync(Config("v1"));

        // The client calls every 5 ms until 95% of its last 50 calls reached v2.
        var client = t.StartClient(new ClientRun(t.Target) { Until = "backend=v2,fraction=0.95,window=50", TimeoutS = 30, IntervalMs = 5, Baseline = 20 });
        var baseline = await client.WaitForBaselineAsync(TimeSpan.FromSeconds(30));
        Assert.True(
            baseline.TryGetProperty("v1", out var onV1) && onV1.GetInt32() == 20 && baseline.EnumerateObject().Count() == 1,
            $"before the edit all calls should reach v1, got {baseline}");

        var editedAt = t.Mesh.WriteConfig(t.ConfigFile, Config("v2"));
        var result = await client.ResultAsync();

        var until = result.Json.GetProperty("until");
        Assert.True(until.GetProperty("met").GetBoolean(), $"traffic never shifted to v2 within 30 s of the edit: {result}\n{client.Process.Output()}");
        var firstHit = Epoch(until, "firstHitEpochMs") - editedAt;
        var met = Epoch(until, "metAtEpochMs") - editedAt;
        t.Log($"config edit -> first call on v2 of the final streak: {firstHit.TotalMilliseconds:0} ms; -> 95% of last 50 calls on v2: {met.TotalMilliseconds:0} ms (silo debounce {MeshFixture.DebounceQuietMs} ms, {until.GetProperty("calls").GetInt32()} calls)");
        Assert.True(firstHit >= TimeSpan.Zero, "the client reported v2 traffic before the edit");
    }

    private static DateTimeOffset Epoch(JsonElement e, string name) => DateTimeOffset.FromUnixTimeMilliseconds(e.GetProperty(name).GetInt64());
}
