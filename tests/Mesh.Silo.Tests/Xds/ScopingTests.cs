using Envoy.Config.Cluster.V3;
using Mesh.Api.Xds;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Xds;

/// <summary>Sidecar egress hosts and ServiceEntry exportTo decide what each proxy receives.</summary>
public sealed class ScopingTests : IAsyncLifetime
{
    private SiloFixture _silo = null!;

    private static string Entry(string name, string ns, string host, string exportTo = "") => $$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: {{name}}, namespace: {{ns}}}
        spec:
          hosts: [{{host}}]
          resolution: STATIC
          exportTo: [{{(exportTo.Length == 0 ? "\"*\"" : $"\"{exportTo}\"")}}]
          ports: [{number: 80, name: http, protocol: HTTP}]
          endpoints: [{address: 127.0.0.1}]
        """;

    private const string SidecarTeamA = """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: default, namespace: team-a}
        spec:
          egress:
          - hosts: ["./*"]
        """;

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-scope-").FullName;
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Entry("a", "team-a", "a.team-a.mesh"));
        File.WriteAllText(Path.Combine(dir, "b.yaml"), Entry("b", "team-b", "b.team-b.mesh"));
        File.WriteAllText(Path.Combine(dir, "private.yaml"), Entry("p", "team-b", "private.team-b.mesh", exportTo: "."));
        _silo = await SiloFixture.StartAsync(dir);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private static string[] Hosts(Envoy.Service.Discovery.V3.DiscoveryResponse r) =>
        [.. r.Resources.Select(a => a.Unpack<Cluster>().Name.Split('|')[3]).Distinct().Order(StringComparer.Ordinal)];

    private static string Node(string ns) => $"sidecar~10.0.0.1~pod.{ns}~{ns}.svc.cluster.local";

    [Fact]
    public async Task Cds_ExportToDot_HidesTheHostFromOtherNamespaces()
    {
        await using var teamA = new AdsClient(_silo.Options.XdsPort, Node("team-a"));
        await using var teamB = new AdsClient(_silo.Options.XdsPort, Node("team-b"));

        await teamA.SendAsync(ResourceTypes.Cluster, []);
        await teamB.SendAsync(ResourceTypes.Cluster, []);

        Assert.Equal(["a.team-a.mesh", "b.team-b.mesh"], Hosts(await teamA.NextAsync("team-a's clusters")));
        Assert.Equal(["a.team-a.mesh", "b.team-b.mesh", "private.team-b.mesh"], Hosts(await teamB.NextAsync("team-b's clusters")));
    }

    [Fact]
    public async Task Cds_SidecarAdded_ShrinksTheViewOfItsNamespaceOnly()
    {
        await using var teamA = new AdsClient(_silo.Options.XdsPort, Node("team-a"));
        await teamA.SendAsync(ResourceTypes.Cluster, []);
        var before = await teamA.NextAsync("team-a's clusters before the Sidecar");
        await teamA.AckAsync(before, []);
        Assert.Contains("b.team-b.mesh", Hosts(before));

        _silo.WriteConfig("sidecar.yaml", SidecarTeamA);
        var after = await teamA.NextMatchingAsync(ResourceTypes.Cluster, r => !Hosts(r).Contains("b.team-b.mesh"), "a CDS push without team-b's host");

        Assert.Equal(["a.team-a.mesh"], Hosts(after));
        await using var teamB = new AdsClient(_silo.Options.XdsPort, Node("team-b"));
        await teamB.SendAsync(ResourceTypes.Cluster, []);
        Assert.Contains("a.team-a.mesh", Hosts(await teamB.NextAsync("team-b's clusters")));
    }
}
