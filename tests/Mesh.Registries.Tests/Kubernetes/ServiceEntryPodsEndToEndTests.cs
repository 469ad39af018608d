using System.Diagnostics;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Registries.Kubernetes;
using Mesh.Testing;
using Mesh.Testing.Kubernetes;
using Xunit.Abstractions;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>
/// A ServiceEntry file whose workloadSelector matches both a Pod (fake API server) and a
/// WorkloadEntry (file): the real silo with the Kubernetes registry and the file source, and a real
/// ADS client subscribed to the entry's EDS.
/// </summary>
public sealed class ServiceEntryPodsEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Cluster = "outbound|80||ratings.example.com";
    private const string Pod = "10.1.0.1";
    private const string Vm = "10.9.0.1";
    private static readonly Dictionary<string, string> App = new() { ["app"] = "ratings" };
    private FakeApiServer _server = null!;
    private SiloFixture _silo = null!;

    private static string EntryYaml(string app) => $"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {"{"}name: ratings, namespace: demo{"}"}
        spec:
          hosts: [ratings.example.com]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{"{"}number: 80, name: http, protocol: HTTP, targetPort: 8080{"}"}]
          workloadSelector: {"{"}labels: {"{"}app: {app}{"}"}{"}"}
        """;

    private const string WorkloadEntryYaml = """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: ratings-vm, namespace: demo}
        spec: {address: 10.9.0.1, labels: {app: ratings}, serviceAccount: ratings-sa}
        """;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _server.Apply(KubeObjects.Namespace("demo"));
        _server.Apply(KubeObjects.Node("node-a", "eu-west", "eu-west-1a"));
        _server.Apply(SelectedPods.Pod("demo", "ratings-1", Pod, "node-a", App));
        var configDir = Directory.CreateTempSubdirectory("mesh-se-pods-").FullName;
        System.IO.File.WriteAllText(Path.Combine(configDir, "ratings.yaml"), EntryYaml("ratings"));
        System.IO.File.WriteAllText(Path.Combine(configDir, "ratings-vm.yaml"), WorkloadEntryYaml);
        _silo = await SiloFixture.StartAsync(configDir, kubernetes: _server.RegistryOptions());
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static List<(string Address, uint Port)> Endpoints(DiscoveryResponse response) =>
        [.. response.Resources.Select(r => r.Unpack<ClusterLoadAssignment>())
            .SelectMany(c => c.Endpoints).SelectMany(l => l.LbEndpoints)
            .Where(e => e.HealthStatus is HealthStatus.Healthy or HealthStatus.Unknown)
            .Select(e => (e.Endpoint.Address.SocketAddress.Address, e.Endpoint.Address.SocketAddress.PortValue))
            .OrderBy(e => e.Address, StringComparer.Ordinal)];

    private static async Task<DiscoveryResponse> NextAsync(AdsClient ads, List<(string, uint)> expected, string what)
    {
        var response = await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => Endpoints(r).SequenceEqual(expected), what);
        await ads.AckAsync(response, [Cluster]);
        return response;
    }

    [Fact]
    public async Task PodAndWorkloadEntry_BothInEds_PodReadinessLeavesAndReturns()
    {
        await using var ads = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.99~client.demo~demo.svc.cluster.local");
        await ads.SendAsync(ResourceTypes.ClusterLoadAssignment, [Cluster]);
        await NextAsync(ads, [(Pod, 8080u), (Vm, 8080u)], "the pod and the VM");

        var clock = Stopwatch.StartNew();
        _server.Apply(SelectedPods.Pod("demo", "ratings-1", Pod, "node-a", App, ready: false));
        await NextAsync(ads, [(Vm, 8080u)], "the pod not ready, out of EDS");
        output.WriteLine($"pod not ready -> EDS: {clock.ElapsedMilliseconds} ms");

        clock.Restart();
        _server.Apply(SelectedPods.Pod("demo", "ratings-1", Pod, "node-a", App, ready: true));
        await NextAsync(ads, [(Pod, 8080u), (Vm, 8080u)], "the pod ready again, back in EDS");
        output.WriteLine($"pod ready -> EDS: {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task SelectorChangedInFile_PodLeavesEds_NewPodArrives()
    {
        await using var ads = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.99~client.demo~demo.svc.cluster.local");
        await ads.SendAsync(ResourceTypes.ClusterLoadAssignment, [Cluster]);
        await NextAsync(ads, [(Pod, 8080u), (Vm, 8080u)], "the pod and the VM");
        _server.Apply(SelectedPods.Pod("demo", "ratings-v2-1", "10.1.0.2", "node-a", new() { ["app"] = "ratings-v2" }));

        var clock = Stopwatch.StartNew();
        _silo.WriteConfig("ratings.yaml", EntryYaml("ratings-v2"));
        await NextAsync(ads, [("10.1.0.2", 8080u)], "only the newly selected pod");
        output.WriteLine($"ServiceEntry selector changed -> EDS: {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task KubernetesServiceSelector_WorkloadEntryFile_ReachesEds()
    {
        const string cluster = "outbound|80||ratings.demo.svc.cluster.local";
        await using var ads = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.99~client.demo~demo.svc.cluster.local");
        await ads.SendAsync(ResourceTypes.ClusterLoadAssignment, [cluster]);

        var clock = Stopwatch.StartNew();
        // Selector app: ratings; no EndpointSlice lists the pod here, so the VM is all the Service has.
        _server.Apply(KubeObjects.Service("demo", "ratings", "10.96.0.20", KubeObjects.Port("http", 80, 8080)));
        var response = await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => Endpoints(r).SequenceEqual([(Vm, 8080u)]), "the VM behind the Service");
        output.WriteLine($"Service selecting a WorkloadEntry -> EDS: {clock.ElapsedMilliseconds} ms");
        await ads.AckAsync(response, [cluster]);

        clock.Restart();
        System.IO.File.Delete(Path.Combine(_silo.ConfigDir, "ratings-vm.yaml"));
        await ads.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => Endpoints(r).Count == 0, "the VM's entry deleted");
        output.WriteLine($"WorkloadEntry deleted -> EDS: {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task DnsEntryWithSelector_SelectedPodIsInTheStrictDnsCluster()
    {
        const string name = "outbound|80||ratings-dns.example.com";
        _silo.WriteConfig("ratings-dns.yaml", """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ratings-dns, namespace: demo}
            spec:
              hosts: [ratings-dns.example.com]
              location: MESH_INTERNAL
              resolution: DNS
              ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
              workloadSelector: {labels: {app: ratings}}
            """);
        await using var ads = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.99~client.demo~demo.svc.cluster.local");
        await ads.SendAsync(ResourceTypes.Cluster, []);

        static List<(string, uint)> Hosts(DiscoveryResponse r) =>
            [.. r.Resources.Select(x => x.Unpack<Envoy.Config.Cluster.V3.Cluster>()).Where(c => c.Name == name)
                .SelectMany(c => c.LoadAssignment.Endpoints).SelectMany(l => l.LbEndpoints)
                .Select(e => (e.Endpoint.Address.SocketAddress.Address, e.Endpoint.Address.SocketAddress.PortValue))
                .OrderBy(e => e.Address, StringComparer.Ordinal)];

        // As Istio: a DNS entry's selected workloads are the STRICT_DNS cluster's hosts (an IP resolves to itself).
        var response = await ads.NextMatchingAsync(ResourceTypes.Cluster, r => Hosts(r).SequenceEqual([(Pod, 8080u), (Vm, 8080u)]), "the pod and the VM in the DNS cluster");
        var cluster = response.Resources.Select(x => x.Unpack<Envoy.Config.Cluster.V3.Cluster>()).Single(c => c.Name == name);
        Assert.Equal(Envoy.Config.Cluster.V3.Cluster.Types.DiscoveryType.StrictDns, cluster.Type);
    }
}
