using System.Text.Json.Nodes;
using Mesh.Api.Xds;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Admin;

/// <summary>
/// Two streams with one node id (two sidecars started with the same defaults) are two connections:
/// two rows in syncz, each dumpable by its connection id, and one ending leaves the other listed.
/// Each stream subscribes to a different assignment, which tells their rows apart.
/// </summary>
public sealed class ProxyConnectionsTests : IAsyncLifetime
{
    private const string SharedId = "sidecar~127.0.0.1~vm.default~default.svc.cluster.local";
    private const string V1 = "outbound|9800|v1|twin.mesh.local", V2 = "outbound|9800|v2|twin.mesh.local";
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-connections-").FullName;
        File.WriteAllText(Path.Combine(dir, "twin.yaml"),
            SampleConfig.ServiceEntry("twin.mesh.local", 9800, ("127.0.0.1", 9801, "v1"), ("127.0.0.2", 9801, "v2"))
            + "\n---\n" + SampleConfig.DestinationRule("twin.mesh.local", "v1", "v2"));
        _silo = await SiloFixture.StartAsync(dir);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private async Task<AdsClient> ConnectAsync(string assignment)
    {
        var client = new AdsClient(_silo.Options.XdsPort, SharedId);
        await client.SendAsync(ResourceTypes.ClusterLoadAssignment, [assignment]);
        await client.AckAsync(await client.NextAsync($"{assignment} for one of the twins"), [assignment]);
        return client;
    }

    private static string? EdsOf(JsonNode row) =>
        row["types"]?.AsArray().FirstOrDefault(t => t?["type"]?.ToString() == "EDS")?["resources"]?.AsArray().SingleOrDefault()?.ToString();

    /// <summary>The connection id of the row whose stream subscribed to this assignment.</summary>
    private static string ConnectionOf(JsonArray rows, string assignment) =>
        DebugPages.RowsOf(rows, SharedId).Single(r => EdsOf(r) == assignment)["connectionId"]!.ToString();

    [Fact]
    public async Task Syncz_TwoStreamsWithOneProxyId_OneRowPerConnection()
    {
        await using var first = await ConnectAsync(V1);
        await using var second = await ConnectAsync(V2);

        var rows = await DebugPages.SynczAsync(_silo.Http, r => DebugPages.RowsOf(r, SharedId).Count(x => EdsOf(x) is not null) == 2,
            "two rows for the shared proxy id, each with its EDS subscription");

        var twins = DebugPages.RowsOf(rows, SharedId).ToList();
        Assert.Equal(2, twins.Select(r => r["connectionId"]!.ToString()).Distinct().Count());
        Assert.All(twins, r => Assert.True(r["connected"]!.GetValue<bool>()));
        Assert.All(twins, r => Assert.StartsWith(SharedId + "-", r["connectionId"]!.ToString(), StringComparison.Ordinal));
        Assert.Equal([V1, V2], twins.Select(EdsOf).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Disconnect_OneOfTwoConnections_TheOtherStaysListedAndDumpable()
    {
        var first = await ConnectAsync(V1);
        await using var second = await ConnectAsync(V2);
        var rows = await DebugPages.SynczAsync(_silo.Http, r => DebugPages.RowsOf(r, SharedId).Count(x => EdsOf(x) is not null) == 2, "both twins");
        var remaining = ConnectionOf(rows, V2);

        await first.DisposeAsync();
        rows = await DebugPages.SynczAsync(_silo.Http, r => DebugPages.RowsOf(r, SharedId).Count() == 1, "one twin left");

        Assert.Equal(remaining, DebugPages.RowsOf(rows, SharedId).Single()["connectionId"]!.ToString());
        var dump = await DebugPages.ConfigDumpAsync(_silo.Http, SharedId, d => d["types"]?["EDS"] is not null, "the remaining twin's dump");
        Assert.Equal(remaining, dump["connection"]!.ToString());
        Assert.Null(dump["note"]);
        Assert.Equal([V2], DebugPages.Names(dump, "EDS", "clusterName"));
    }

    [Fact]
    public async Task ConfigDump_ProxyIdOfTwoConnections_NewestWithANoteAndEachByItsConnectionId()
    {
        await using var first = await ConnectAsync(V1);
        await using var second = await ConnectAsync(V2);
        var rows = await DebugPages.SynczAsync(_silo.Http, r => DebugPages.RowsOf(r, SharedId).Count(x => EdsOf(x) is not null) == 2, "both twins");
        var (older, newer) = (ConnectionOf(rows, V1), ConnectionOf(rows, V2));

        var byProxy = await DebugPages.ConfigDumpAsync(_silo.Http, SharedId, d => d["types"]?["EDS"] is not null, "the newest twin's dump");
        var byOlder = await DebugPages.ConfigDumpAsync(_silo.Http, older, d => d["types"]?["EDS"] is not null, "the older twin's dump");

        Assert.Equal(newer, byProxy["connection"]!.ToString());
        Assert.Contains("2 connections", byProxy["note"]!.ToString(), StringComparison.Ordinal);
        Assert.Contains(older, byProxy["note"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal([V2], DebugPages.Names(byProxy, "EDS", "clusterName"));
        Assert.Equal(older, byOlder["connection"]!.ToString());
        Assert.Null(byOlder["note"]);
        Assert.Equal([V1], DebugPages.Names(byOlder, "EDS", "clusterName"));
    }

    [Fact]
    public async Task ConfigDump_UnknownId_NotFound()
    {
        using var response = await _silo.Http.GetAsync("/debug/config_dump?proxy=no-such-proxy");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }
}
