using Envoy.Config.Endpoint.V3;
using Mesh.Api.Xds;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Admin;

/// <summary>
/// config_dump and syncz answer on any silo: a proxy connected to the second silo is dumped from
/// the first, through its connection grain, from what its stream on the second silo sent.
/// </summary>
public sealed class TwoSiloConfigDumpTests : IAsyncLifetime
{
    private const string Assignment = "outbound|9450||far.mesh.local";
    private SiloFixture _primary = null!;
    private SiloFixture _secondary = null!;

    public async Task InitializeAsync()
    {
        var cluster = $"two-silo-dump-{Guid.NewGuid():N}";
        var dir = Directory.CreateTempSubdirectory("mesh-two-silo-dump-").FullName;
        File.WriteAllText(Path.Combine(dir, "far.yaml"), SampleConfig.ServiceEntry("far.mesh.local", 9450, ("127.0.0.1", 9451, "v1")));
        _primary = await SiloFixture.StartAsync(dir, clusterId: cluster);
        _secondary = await SiloFixture.StartAsync(primarySiloPort: _primary.Options.SiloPort, clusterId: cluster);
    }

    public async Task DisposeAsync()
    {
        await _secondary.DisposeAsync();
        await _primary.DisposeAsync();
    }

    [Fact]
    public async Task ConfigDump_ProxyOnTheOtherSilo_ShowsWhatItsStreamSent()
    {
        await using var client = new AdsClient(_secondary.Options.XdsPort, "far-proxy");
        await client.SendAsync(ResourceTypes.ClusterLoadAssignment, [Assignment]);
        var sent = await client.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment,
            r => r.Resources.Count == 1 && r.Resources[0].Unpack<ClusterLoadAssignment>().Endpoints.Count > 0, "far's endpoints");
        await client.AckAsync(sent, [Assignment]);

        var dump = await DebugPages.ConfigDumpAsync(_primary.Http, "far-proxy", d => d["types"]?["EDS"]?["status"]?.ToString() == "SYNCED",
            "the acked assignment, dumped from the primary");
        var rows = await DebugPages.SynczAsync(_primary.Http, r => DebugPages.RowsOf(r, "far-proxy").Any(), "the proxy listed by the primary");

        Assert.Equal([Assignment], DebugPages.Names(dump, "EDS", "clusterName"));
        Assert.Equal(sent.VersionInfo, dump["types"]!["EDS"]!["versionSent"]!.ToString());
        var row = DebugPages.RowsOf(rows, "far-proxy").Single();
        Assert.Equal(row["silo"]!.ToString(), dump["silo"]!.ToString());
        Assert.Equal($"silo-{_secondary.Options.SiloPort}", dump["silo"]!.ToString());
    }
}
