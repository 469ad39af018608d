using System.Text.Json;
using Mesh.Interop.Tests.Infrastructure;

namespace Mesh.Interop.Tests.Tests;

/// <summary>Config the referee refuses: how the silo reports it, and what must never reach it.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Interop")]
public sealed class RejectionTests(MeshFixture mesh, ITestOutputHelper output)
{
    /// <summary>
    /// A DestinationRule valid for Istio and Envoy that proxyless gRPC cannot apply, which is how
    /// Istio users meet NACKs: grpc-js-xds (cluster-resource-type.js) takes a cluster's lb_policy
    /// only if it is ROUND_ROBIN or RING_HASH (without load_balancing_policy), so the LEAST_REQUEST
    /// cluster we generate for `simple: LEAST_REQUEST` is served and NACKed.
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
                    loadBalancer: {simple: LEAST_REQUEST}
                    """));
        }
        catch (InvalidOperationException e) when (e.Message.Contains("rejected", StringComparison.Ordinal))
        {
            Assert.Fail("the silo now rejects simple: LEAST_REQUEST itself, so this test needs another config "
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
        Assert.Contains("unsupported lb_policy: LEAST_REQUEST", message, StringComparison.Ordinal);
        Assert.True(row.GetProperty("connected").GetBoolean(), $"proxy should still be connected: {row.GetRawText()}");
        // The rejection is per type: the listener and route the client accepted stay SYNCED.
        Assert.Equal("SYNCED", TypeRow(row, "LDS")?.GetProperty("status").GetString());
        Assert.Equal("SYNCED", TypeRow(row, "RDS")?.GetProperty("status").GetString());

        // What a user runs: meshctl proxy-status shows the same NACK.
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await Mesh.Cli.MeshCtl.RunAsync(
            ["proxy-status", client.NodeId, "--control-plane", $"http://127.0.0.1:{t.Mesh.Silo.HttpPort}"], stdout, stderr);
        t.Log($"meshctl proxy-status {client.NodeId}:\n{stdout}");
        Assert.True(exit == 0, stderr.ToString());
        Assert.Contains("NACKED", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("unsupported lb_policy: LEAST_REQUEST", stdout.ToString(), StringComparison.Ordinal);

        // Fixing the config sends a cluster the client accepts; its ACK must clear the NACK.
        await t.ApplyAsync(
            Yaml.ServiceEntry(t.Host, backend)
            + Yaml.DestinationRule(t.Host, [], """
                loadBalancer: {simple: ROUND_ROBIN}
                """));
        var fixedAt = DateTimeOffset.UtcNow;
        var recovered = await Poll.UntilAsync($"syncz to show {client.NodeId} with CDS SYNCED again", TimeSpan.FromSeconds(20), async () =>
        {
            var proxy = await t.Mesh.Silo.SyncStatusAsync(client.NodeId);
            var cds = proxy is null ? null : TypeRow(proxy.Value, "CDS");
            var status = cds?.GetProperty("status").GetString();
            return (status == "SYNCED", cds ?? default, $"CDS status {status ?? "(no row)"}: {proxy?.GetRawText()}");
        });
        t.Log($"after switching to ROUND_ROBIN: CDS SYNCED (version {Text(recovered, "versionAcked")}) within {(DateTimeOffset.UtcNow - fixedAt).TotalMilliseconds:0} ms; nackMessage {Text(recovered, "nackMessage")}");
        Assert.Equal(JsonValueKind.Null, recovered.GetProperty("nackMessage").ValueKind);
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
        var backend = await t.BackendAsync("solo");
        var virtualService = Yaml.VirtualService(t.Host, $$$"""
            - match:
              - headers: {x-user: {regex: '{{{regex}}}'}}
              route: [{destination: {host: {{{t.Host}}}}}]
            - route: [{destination: {host: {{{t.Host}}}}}]
            """);
        t.Mesh.WriteConfig(t.ConfigFile, Yaml.ServiceEntry(t.Host, backend) + virtualService);

        var rejected = await Poll.UntilAsync($"{t.ConfigFile} to be read", TimeSpan.FromSeconds(20), async () =>
        {
            var configz = await t.Mesh.Silo.GetJsonAsync("debug/configz");
            var errors = MeshFixture.RejectedFor(configz, t.ConfigFile);
            var serving = configz.GetProperty("serving").EnumerateArray()
                .Count(o => o.TryGetProperty("file", out var f) && Path.GetFileName(f.GetString()) == t.ConfigFile);
            // Done when the VirtualService is either rejected (the ServiceEntry served) or served.
            return ((errors.Count > 0 && serving >= 1) || serving == 2, errors, $"{serving} objects served, {errors.Count} rejected");
        });
        t.Log($"regex '{regex}': silo rejected: {(rejected.Count == 0 ? "nothing" : string.Join(" | ", rejected))}");

        // Whatever the silo did, the referee is the judge: it must keep running and route by what
        // was served (the ServiceEntry alone: every call to the one backend).
        var result = await t.RunClientAsync(new ClientRun(t.Target) { Calls = 20, Concurrency = 2, Headers = new Dictionary<string, string> { ["x-user"] = "u1" } });
        Assert.True(rejected.Count > 0, $"the silo served a VirtualService with regex '{regex}', which RE2 refuses: {result}");
        Assert.Contains(rejected, r => r.Contains("regex", StringComparison.OrdinalIgnoreCase) || r.Contains("RE2", StringComparison.Ordinal));
        Assert.Equal(new Dictionary<string, int> { ["solo"] = 20 }, result.Backends);
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
