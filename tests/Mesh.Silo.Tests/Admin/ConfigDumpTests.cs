using System.Text.Json.Nodes;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Api.Xds;
using Mesh.Silo.Tests.Xds;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Admin;

/// <summary>config_dump shows what that proxy was sent: its Sidecar's scope, its route variant, its locality's priorities.</summary>
public sealed class ConfigDumpTests : IAsyncLifetime
{
    private const string Localized = "outbound|9400||loc.mesh.local";
    private const string LabelsHost = "labels.mesh.local";
    private SiloFixture _silo = null!;

    private static string Entry(string name, string ns, string host) => $$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: {{name}}, namespace: {{ns}}}
        spec:
          hosts: [{{host}}]
          resolution: STATIC
          ports: [{number: 80, name: http, protocol: HTTP}]
          endpoints: [{address: 127.0.0.1}]
        """;

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-config-dump-").FullName;
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Entry("a", "team-a", "a.team-a.mesh"));
        File.WriteAllText(Path.Combine(dir, "b.yaml"), Entry("b", "team-b", "b.team-b.mesh"));
        File.WriteAllText(Path.Combine(dir, "sidecar.yaml"), """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: team-a}
            spec:
              egress:
              - hosts: ["./*"]
            """);
        File.WriteAllText(Path.Combine(dir, "loc.yaml"), """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: loc, namespace: default}
            spec:
              hosts: [loc.mesh.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9400, name: http, protocol: HTTP}]
              endpoints:
              - {address: 10.0.0.1, locality: us-east/a}
              - {address: 10.0.0.2, locality: us-west/b}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: loc, namespace: default}
            spec:
              host: loc.mesh.local
              trafficPolicy:
                outlierDetection: {consecutive5xxErrors: 1}
            """);
        File.WriteAllText(Path.Combine(dir, "labels.yaml"),
            SampleConfig.ServiceEntry(LabelsHost, 9600, ("127.0.0.1", 9601, "v1"), ("127.0.0.2", 9601, "v2"))
            + "\n---\n" + SampleConfig.DestinationRule(LabelsHost, "v1", "v2") + "\n---\n" + $$$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: labels, namespace: default}
            spec:
              hosts: [{{{LabelsHost}}}]
              http:
              - match: [{sourceLabels: {app: canary-client}}]
                route: [{destination: {host: {{{LabelsHost}}}, subset: v2}}]
              - route: [{destination: {host: {{{LabelsHost}}}, subset: v1}}]
            """);
        _silo = await SiloFixture.StartAsync(dir);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private static string Node(string ns) => $"sidecar~10.0.0.1~pod.{ns}~{ns}.svc.cluster.local";

    private static string HostOf(string cluster) => cluster.Split('|')[3];

    [Fact]
    public async Task ConfigDump_SidecarRestrictsEgress_HiddenHostOnlyInTheOtherProxysDump()
    {
        await using var teamA = new AdsClient(_silo.Options.XdsPort, Node("team-a"));
        await using var teamB = new AdsClient(_silo.Options.XdsPort, Node("team-b"));
        await teamA.SendAsync(ResourceTypes.Cluster, []);
        var sentA = await teamA.NextMatchingAsync(ResourceTypes.Cluster, _ => true, "team-a's clusters");
        await teamA.AckAsync(sentA, []);
        await teamB.SendAsync(ResourceTypes.Cluster, []);
        var sentB = await teamB.NextMatchingAsync(ResourceTypes.Cluster, _ => true, "team-b's clusters");
        await teamB.AckAsync(sentB, []);

        var dumpA = await DebugPages.ConfigDumpAsync(_silo.Http, Node("team-a"), d => d["types"]?["CDS"]?["versionAcked"] is not null, "team-a's acked CDS");
        var dumpB = await DebugPages.ConfigDumpAsync(_silo.Http, Node("team-b"), d => d["types"]?["CDS"]?["versionAcked"] is not null, "team-b's acked CDS");

        var hostsA = DebugPages.Names(dumpA, "CDS").Select(HostOf).Distinct().ToList();
        var hostsB = DebugPages.Names(dumpB, "CDS").Select(HostOf).Distinct().ToList();
        Assert.Equal(["a.team-a.mesh"], hostsA);
        Assert.Contains("b.team-b.mesh", hostsB);
        Assert.Contains("a.team-a.mesh", hostsB);
        // Exactly the response: same names, same version.
        Assert.Equal(sentA.Resources.Select(r => r.Unpack<Cluster>().Name).Order(StringComparer.Ordinal), DebugPages.Names(dumpA, "CDS"));
        Assert.Equal(sentA.VersionInfo, dumpA["types"]!["CDS"]!["versionSent"]!.ToString());
        Assert.Equal(sentB.Resources.Select(r => r.Unpack<Cluster>().Name).Order(StringComparer.Ordinal), DebugPages.Names(dumpB, "CDS"));
    }

    [Fact]
    public async Task ConfigDump_ProxyLocality_ShowsItsLocalitysPriorities()
    {
        var (east, eastSent) = await SubscribeAsync("east-1", new Locality { Region = "us-east", Zone = "a" }, null, ResourceTypes.ClusterLoadAssignment, Localized);
        var (west, westSent) = await SubscribeAsync("west-1", new Locality { Region = "us-west", Zone = "b" }, null, ResourceTypes.ClusterLoadAssignment, Localized);
        await using var _ = east;
        await using var __ = west;

        var eastDump = await DebugPages.ConfigDumpAsync(_silo.Http, "east-1", d => d["types"]?["EDS"] is not null, "east's EDS");
        var westDump = await DebugPages.ConfigDumpAsync(_silo.Http, "west-1", d => d["types"]?["EDS"] is not null, "west's EDS");

        Assert.Equal("10.0.0.1=0 10.0.0.2=1", Priorities(eastDump));
        Assert.Equal("10.0.0.1=1 10.0.0.2=0", Priorities(westDump));
        Assert.Equal(eastSent.Resources.Single().Version, eastDump["types"]!["EDS"]!["resourceVersions"]![Localized]!.ToString());
        Assert.Equal(westSent.Resources.Single().Version, westDump["types"]!["EDS"]!["resourceVersions"]![Localized]!.ToString());
    }

    [Fact]
    public async Task ConfigDump_SourceLabels_EachProxysRouteVariant()
    {
        var routes = $"{LabelsHost}:9600";
        var (canary, _) = await SubscribeAsync("canary-caller", null, "canary-client", ResourceTypes.RouteConfiguration, routes);
        var (plain, _) = await SubscribeAsync("plain-caller", null, "something-else", ResourceTypes.RouteConfiguration, routes);
        await using var _1 = canary;
        await using var _2 = plain;

        var canaryDump = await DebugPages.ConfigDumpAsync(_silo.Http, "canary-caller", d => d["types"]?["RDS"] is not null, "the canary's RDS");
        var plainDump = await DebugPages.ConfigDumpAsync(_silo.Http, "plain-caller", d => d["types"]?["RDS"] is not null, "the plain caller's RDS");

        Assert.Equal([$"outbound|9600|v2|{LabelsHost}"], RouteClusters(canaryDump));
        Assert.Equal([$"outbound|9600|v1|{LabelsHost}"], RouteClusters(plainDump));
    }

    [Fact]
    public async Task ConfigDump_SubscriptionChanged_OnlyWhatIsStillSubscribed()
    {
        const string v1 = $"outbound|9600|v1|{LabelsHost}", v2 = $"outbound|9600|v2|{LabelsHost}";
        await using var client = new AdsClient(_silo.Options.XdsPort, "switching-client");
        await client.SendAsync(ResourceTypes.ClusterLoadAssignment, [v1]);
        var first = await client.NextAsync("v1's assignment");
        await client.AckAsync(first, [v1]);
        await DebugPages.ConfigDumpAsync(_silo.Http, "switching-client", d => DebugPages.Names(d, "EDS", "clusterName").SequenceEqual([v1]), "v1 in the dump");

        await client.SendAsync(ResourceTypes.ClusterLoadAssignment, [v2], first.VersionInfo, first.Nonce);
        var second = await client.NextAsync("v2's assignment");
        await client.AckAsync(second, [v2]);

        var dump = await DebugPages.ConfigDumpAsync(_silo.Http, "switching-client", d => d["types"]?["EDS"]?["versionAcked"]?.ToString() == second.VersionInfo
            && d["types"]?["EDS"]?["status"]?.ToString() == "SYNCED", "the second response acked");
        Assert.Equal([v2], DebugPages.Names(dump, "EDS", "clusterName"));
        Assert.Null(dump["types"]?["CDS"]);
    }

    private async Task<(DeltaStreamClient Client, DeltaDiscoveryResponse First)> SubscribeAsync(
        string id, Locality? locality, string? app, string typeUrl, string name)
    {
        var client = new DeltaStreamClient(_silo.Options.XdsPort);
        var node = new Node { Id = id, Metadata = new Struct() };
        if (locality is not null) node.Locality = locality;
        if (app is not null) node.Metadata.Fields["LABELS"] = Value.ForStruct(new Struct { Fields = { ["app"] = Value.ForString(app) } });
        await client.SendAsync(new DeltaDiscoveryRequest { Node = node, TypeUrl = typeUrl, ResourceNamesSubscribe = { name } });
        var first = await client.NextAsync(r => r.Resources.Any(x => x.Name == name), $"{id}: {name}");
        await client.SendAsync(new DeltaDiscoveryRequest { TypeUrl = typeUrl, ResponseNonce = first.Nonce });
        return (client, first);
    }

    /// <summary>"address=priority" of the dumped assignment, in address order.</summary>
    private static string Priorities(JsonNode dump)
    {
        var cla = dump["types"]!["EDS"]!["resources"]!.AsArray().Single()!;
        return string.Join(' ', cla["endpoints"]!.AsArray()
            .SelectMany(g => g!["lbEndpoints"]!.AsArray().Select(e => (Address: e!["endpoint"]!["address"]!["socketAddress"]!["address"]!.ToString(), Priority: g["priority"]?.GetValue<int>() ?? 0)))
            .OrderBy(e => e.Address, StringComparer.Ordinal).Select(e => $"{e.Address}={e.Priority}"));
    }

    private static List<string> RouteClusters(JsonNode dump) =>
        [.. dump["types"]!["RDS"]!["resources"]!.AsArray().Single()!["virtualHosts"]!.AsArray().Single()!["routes"]!.AsArray()
            .Select(r => r!["route"]!["cluster"]!.ToString())];
}
