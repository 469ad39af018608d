using System.Text.Json;
using Mesh.Interop.Tests.Infrastructure;

namespace Mesh.Interop.Tests.Tests;

/// <summary>Config the referee refuses: how the silo reports it, and what must never reach it.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Interop")]
public sealed class RejectionTests(MeshFixture mesh, ITestOutputHelper output)
{
    /// <summary>
    /// grpc-js-xds (cluster-resource-type.js) rejects a RING_HASH cluster whose minimum_ring_size
    /// exceeds 8388608 (Envoy's own limit too); the silo's DestinationRule validation has no upper
    /// bound on consistentHash.minimumRingSize, so the cluster is served and NACKed.
    /// </summary>
    [Fact]
    public async Task A_cluster_the_client_rejects_shows_as_NACKED_in_syncz()
    {
        await using var t = new TestScope(mesh, output, "nack");
        var backend = await t.BackendAsync("solo");
        try
        {
            await t.ApplyAsync(
                Yaml.ServiceEntry(t.Host, backend)
                + Yaml.DestinationRule(t.Host, [], """
                    loadBalancer:
                      consistentHash: {httpHeaderName: x-user, minimumRingSize: 10000000}
                    """));
        }
        catch (InvalidOperationException e) when (e.Message.Contains("rejected", StringComparison.Ordinal))
        {
            Assert.Fail("the silo now rejects minimumRingSize 10000000 itself (good), so this test needs another config "
                + $"that the silo serves and grpc-js-xds NACKs (see build/src/xds-resource-type/*.js):\n{e.Message}");
        }

        // Hold the ADS stream open after the calls, so syncz shows a connected proxy.
        await using var client = t.StartClient(new ClientRun(t.Target) { Calls = 3, ReadyTimeoutMs = 0, DeadlineMs = 3000, HoldS = 60 });
        var result = await client.ResultAsync();
        t.Log($"client: {result}");
        Assert.Equal(0, result.Ok);

        var row = await Poll.UntilAsync($"syncz to show {client.NodeId} with CDS NACKED", TimeSpan.FromSeconds(20), async () =>
        {
            var proxy = await t.Mesh.Silo.SyncStatusAsync(client.NodeId);
            if (proxy is null) return (false, default, "proxy not listed");
            var cds = TypeRow(proxy.Value, "CDS");
            var status = cds?.GetProperty("status").GetString();
            return (status == "NACKED", proxy.Value, $"CDS status {status ?? "(no CDS row)"}: {proxy.Value.GetRawText()}");
        });
        var cdsRow = TypeRow(row, "CDS")!.Value;
        var message = cdsRow.GetProperty("nackMessage").GetString() ?? "";
        t.Log($"syncz CDS for {client.NodeId}: status NACKED, nackVersion {Text(cdsRow, "nackVersion")}, nackMessage: {message}");
        Assert.Contains("minimum_ring_size is too large: 10000000", message, StringComparison.Ordinal);
        Assert.True(row.GetProperty("connected").GetBoolean(), $"proxy should still be connected: {row.GetRawText()}");
        // The rejection is per type: the listener and route the client accepted stay SYNCED.
        Assert.Equal("SYNCED", TypeRow(row, "LDS")?.GetProperty("status").GetString());
        Assert.Equal("SYNCED", TypeRow(row, "RDS")?.GetProperty("status").GetString());
    }

    /// <summary>
    /// grpc-js-xds compiles route regexes with RE2 only when it applies a route table, and an RE2
    /// syntax error there is thrown out of an async function: the client process dies (no NACK).
    /// So a regex .NET accepts but RE2 refuses must be rejected by the silo's validation, and the
    /// rest of the host's config served as before.
    /// </summary>
    [Theory]
    [InlineData("re2-repeat", "u[0-9]{1001}")] // RE2: "invalid repetition size" (its limit is 1000)
    [InlineData("re2-escape", "u[0-9]+\\Z")]   // RE2: "invalid escape sequence: \Z"
    public async Task A_regex_RE2_refuses_is_rejected_before_any_client_sees_it(string name, string regex)
    {
        await using var t = new TestScope(mesh, output, name);
        var v1 = await t.BackendAsync("v1");
        var v2 = await t.BackendAsync("v2");
        var serviceAndRule = Yaml.ServiceEntry(t.Host, v1, v2) + Yaml.DestinationRule(t.Host, ["v1", "v2"]);
        var virtualService = Yaml.VirtualService(t.Host, $$$"""
            - match:
              - headers: {x-user: {regex: '{{{regex}}}'}}
              route: [{destination: {host: {{{t.Host}}}, subset: v2}}]
            - route: [{destination: {host: {{{t.Host}}}, subset: v1}}]
            """);
        t.Mesh.WriteConfig(t.ConfigFile, serviceAndRule + virtualService);

        var rejected = await Poll.UntilAsync($"{t.ConfigFile} to be read", TimeSpan.FromSeconds(20), async () =>
        {
            var configz = await t.Mesh.Silo.GetJsonAsync("debug/configz");
            var errors = MeshFixture.RejectedFor(configz, t.ConfigFile);
            var serving = configz.GetProperty("serving").EnumerateArray()
                .Count(o => o.TryGetProperty("file", out var f) && Path.GetFileName(f.GetString()) == t.ConfigFile);
            return (errors.Count > 0 || serving == 3, errors, $"{serving} objects served, {errors.Count} rejected");
        });
        t.Log($"regex '{regex}': silo rejected: {(rejected.Count == 0 ? "nothing" : string.Join(" | ", rejected))}");

        // Whatever the silo did, the referee is the judge: it must run, and route by what was served.
        var result = await t.RunClientAsync(new ClientRun(t.Target) { Calls = 20, Concurrency = 2, Headers = new Dictionary<string, string> { ["x-user"] = "u1" } });
        Assert.True(rejected.Count > 0, $"the silo served a VirtualService with regex '{regex}', which RE2 refuses: {result}");
        Assert.Contains(rejected, r => r.Contains("VirtualService", StringComparison.OrdinalIgnoreCase) || r.Contains("regex", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(new Dictionary<string, int> { ["v1"] = 20 }, result.Backends);
    }

    private static JsonElement? TypeRow(JsonElement proxy, string type)
    {
        foreach (var row in proxy.GetProperty("types").EnumerateArray())
            if (row.GetProperty("type").GetString() == type) return row;
        return null;
    }

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "(none)";
}
