using Mesh.Api.Xds;
using Mesh.Testing;

namespace Mesh.Cli.Tests.Commands;

/// <summary>proxy-status, proxy-config and version against a real silo with a real ADS client connected.</summary>
public sealed class ProxyCommandsTests : IAsyncLifetime
{
    private SiloFixture _silo = null!;
    private AdsClient _proxy = null!;
    private string Address => $"http://127.0.0.1:{_silo.Options.HttpPort}";

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("meshctl-proxy-").FullName;
        File.WriteAllText(Path.Combine(dir, "cli.yaml"),
            SampleConfig.ServiceEntry("cli.mesh.local", 7000, ("127.0.0.1", 7001, "v1")) + "\n---\n" + SampleConfig.DestinationRule("cli.mesh.local", "v1"));
        _silo = await SiloFixture.StartAsync(dir);
        _proxy = new AdsClient(_silo.Options.XdsPort, "sidecar~10.1.1.1~cli-1.default~default.svc.cluster.local");
        await _proxy.SendAsync(ResourceTypes.Cluster, []);
        var cds = await _proxy.NextAsync("CDS");
        await _proxy.AckAsync(cds, []);
        await _proxy.SendAsync(ResourceTypes.ClusterLoadAssignment, ["outbound|7000||cli.mesh.local"]);
        var eds = await _proxy.NextAsync("EDS");
        await _proxy.SendAsync(ResourceTypes.ClusterLoadAssignment, ["outbound|7000||cli.mesh.local"], "", eds.Nonce, error: "endpoint rejected by test");
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _silo.DisposeAsync();
    }

    private async Task<MeshCtlRunner.Result> UntilAsync(Func<MeshCtlRunner.Result, bool> condition, params string[] args)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var result = await MeshCtlRunner.RunAsync(args);
            if (condition(result) || DateTime.UtcNow > deadline) return result;
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task ProxyStatus_ConnectedProxy_ShowsSyncedCdsAndNackedEds()
    {
        var result = await UntilAsync(r => r.Output.Contains("NACKED", StringComparison.Ordinal),
            "proxy-status", "--control-plane", Address);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        Assert.Contains("sidecar~10.1.1.1~cli-1.default~default.svc.cluster.local", result.Output, StringComparison.Ordinal);
        Assert.Contains("SYNCED (", result.Output, StringComparison.Ordinal);
        Assert.Contains("NACKED", result.Output, StringComparison.Ordinal);
        Assert.Contains("endpoint rejected by test", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyStatus_UnknownProxy_ExitsOne()
    {
        var result = await MeshCtlRunner.RunAsync("proxy-status", "no-such-proxy", "--control-plane", Address);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no-such-proxy", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyConfigCluster_Table_ListsHostPortAndSubsets()
    {
        // The stream records its connection in the background: poll until the control plane lists it.
        var result = await UntilAsync(r => r.ExitCode == 0,
            "proxy-config", "cluster", "sidecar~10.1.1.1~cli-1.default~default.svc.cluster.local", "--control-plane", Address);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        var rows = result.Output.Split('\n').Where(l => l.Contains("cli.mesh.local", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, r => r.Contains("7000", StringComparison.Ordinal) && r.Contains("v1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProxyConfigEndpoint_Json_HasTheEndpointAddress()
    {
        var result = await UntilAsync(r => r.Output.Contains("7001", StringComparison.Ordinal),
            "proxy-config", "endpoint", "sidecar~10.1.1.1~cli-1.default~default.svc.cluster.local", "--control-plane", Address, "-o", "json");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        Assert.Contains("\"portValue\": 7001", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyStatus_TwoConnectionsWithOneProxyId_OneRowEach()
    {
        const string twin = "sidecar~127.0.0.1~vm.default~default.svc.cluster.local";
        await using var first = new AdsClient(_silo.Options.XdsPort, twin);
        await using var second = new AdsClient(_silo.Options.XdsPort, twin);
        foreach (var client in new[] { first, second })
        {
            await client.SendAsync(ResourceTypes.Cluster, []);
            await client.AckAsync(await client.NextAsync("CDS"), []);
        }

        var result = await UntilAsync(r => Rows(r, twin).Count(row => row.Contains("SYNCED (", StringComparison.Ordinal)) == 2,
            "proxy-status", twin, "--control-plane", Address);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        var rows = Rows(result, twin);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Contains("SYNCED (", r, StringComparison.Ordinal));
        // Each row names its connection, "<proxy id>-<silo>-<n>", and the two differ.
        var connections = rows.Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).ToList();
        Assert.All(connections, c => Assert.StartsWith(twin + "-", c, StringComparison.Ordinal));
        Assert.Equal(2, connections.Distinct().Count());
    }

    [Fact]
    public async Task ProxyConfigCluster_ProxyIdOfTwoConnections_NoteOnStderrJsonOnStdout()
    {
        const string twin = "sidecar~10.9.9.9~twin.default~default.svc.cluster.local";
        await using var first = new AdsClient(_silo.Options.XdsPort, twin);
        await using var second = new AdsClient(_silo.Options.XdsPort, twin);
        foreach (var client in new[] { first, second })
        {
            await client.SendAsync(ResourceTypes.Cluster, []);
            await client.AckAsync(await client.NextAsync("CDS"), []);
        }

        var result = await UntilAsync(r => r.Error.Contains("2 connections", StringComparison.Ordinal),
            "proxy-config", "cluster", twin, "--control-plane", Address, "-o", "json");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        Assert.Contains("showing the newest", result.Error, StringComparison.Ordinal);
        Assert.Contains("outbound|7000||cli.mesh.local", System.Text.Json.Nodes.JsonNode.Parse(result.Output)!.ToJsonString(), StringComparison.Ordinal);
    }

    private static List<string> Rows(MeshCtlRunner.Result result, string proxyId) =>
        [.. result.Output.Split('\n').Where(l => l.TrimStart().StartsWith(proxyId + " ", StringComparison.Ordinal))];

    [Fact]
    public async Task Version_Reachable_PrintsBothVersions()
    {
        var result = await MeshCtlRunner.RunAsync("version", "--control-plane", Address);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        Assert.Contains("client version:", result.Output, StringComparison.Ordinal);
        Assert.Contains("control plane version:", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyStatus_ControlPlaneDown_ExitsOneWithAClearError()
    {
        var result = await MeshCtlRunner.RunAsync("proxy-status", "--control-plane", "http://127.0.0.1:1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot read the control plane", result.Error, StringComparison.Ordinal);
    }
}
