using System.Text;
using BenchmarkDotNet.Attributes;
using k8s.Models;
using Mesh.Api.Model;
using Mesh.Api.Yaml;
using Mesh.Registries.Consul;
using Mesh.Registries.Config;
using Mesh.Registries.Kubernetes;
using Mesh.Registries.Updates;

namespace Mesh.Benchmarks;

/// <summary>
/// What each registry pays to turn its source's view into the mesh model, for the same mesh:
/// <see cref="Services"/> services of 10 endpoints each. The baseline is the file source's
/// ServiceEntry translation; against it, a Kubernetes full rebuild (what a relist after an outage
/// costs), one Kubernetes service rebuilt (an EndpointSlice event), Consul's translation of every
/// service's health answer, and the ShardPublisher diff of an unchanged relist, which is what
/// keeps a source's return from reaching any grain.
/// </summary>
[MemoryDiagnoser]
public class RegistryBenchmarks
{
    private const int EndpointsPerService = 10;
    private static readonly ConsulOptions Consul = new(new Uri("http://127.0.0.1:8500"), ["dc1"], null);

    [Params(100, 1000)]
    public int Services { get; set; }

    private MeshConfig _config = MeshConfig.Empty;
    private ClusterState _cluster = new();
    private List<string> _serviceKeys = [];
    private List<(string Name, IReadOnlyList<ConsulHealthEntry> Entries)> _consul = [];
    private Dictionary<string, (MeshService Service, IReadOnlyList<MeshEndpoint> Endpoints)> _view = [];
    private ShardPublisher _publisher = null!;

    [GlobalSetup]
    public void Setup()
    {
        var parsed = ConfigParser.Parse("bench.yaml", ServiceEntries(Services));
        if (!parsed.IsValid) throw new InvalidOperationException(string.Join("; ", parsed.Errors));
        _config = MeshConfig.From(parsed.Objects);

        _cluster = new ClusterState();
        var changed = new ChangeSet();
        _cluster.Apply(ResourceChange<V1Namespace>.Relisted([new V1Namespace { Metadata = new V1ObjectMeta { Name = "bench" } }]), changed);
        _cluster.Apply(ResourceChange<V1Node>.Relisted([.. Enumerable.Range(0, 3).Select(Node)]), changed);
        _cluster.Apply(ResourceChange<V1Service>.Relisted([.. Enumerable.Range(0, Services).Select(KubeService)]), changed);
        _cluster.Apply(ResourceChange<V1Pod>.Relisted([]), changed);
        _cluster.Apply(ResourceChange<V1EndpointSlice>.Relisted([.. Enumerable.Range(0, Services).Select(Slice)]), changed);
        _serviceKeys = [.. Enumerable.Range(0, Services).Select(i => $"bench/svc-{i:D4}")];

        _consul = [.. Enumerable.Range(0, Services).Select(i => ($"svc-{i:D4}", (IReadOnlyList<ConsulHealthEntry>)[.. Enumerable.Range(0, EndpointsPerService).Select(j => ConsulEntry(i, j))]))];

        _view = KubernetesAll();
        _publisher = new ShardPublisher(new ShardKey("Kubernetes", "bench"), new NoUpdates());
        _publisher.PublishAllAsync(_view).GetAwaiter().GetResult();
        if (KubernetesAll().Values.Sum(v => v.Endpoints.Count) != Services * EndpointsPerService)
            throw new InvalidOperationException("the Kubernetes fixture does not produce every endpoint");
    }

    [Benchmark(Baseline = true)]
    public int File_TranslateAll() => ServiceEntryTranslator.Translate(_config).Count;

    [Benchmark]
    public int Kubernetes_BuildAll() => KubernetesAll().Count;

    [Benchmark]
    public int Kubernetes_BuildOne() => _cluster.Build(_serviceKeys[Services / 2], "cluster.local").Endpoints.Count;

    [Benchmark]
    public int Consul_TranslateAll()
    {
        var count = 0;
        foreach (var (name, entries) in _consul)
            if (ConsulTranslator.Translate(name, entries, "dc1", Consul) is { } translated) count += translated.Endpoints.Count;
        return count;
    }

    [Benchmark]
    public int Publisher_RelistUnchanged() => _publisher.PublishAllAsync(KubernetesAll()).GetAwaiter().GetResult();

    private Dictionary<string, (MeshService Service, IReadOnlyList<MeshEndpoint> Endpoints)> KubernetesAll()
    {
        var hosts = new Dictionary<string, (MeshService, IReadOnlyList<MeshEndpoint>)>(StringComparer.Ordinal);
        foreach (var key in _serviceKeys)
        {
            var (host, service, endpoints) = _cluster.Build(key, "cluster.local");
            if (service is not null) hosts[host] = (service, endpoints);
        }
        return hosts;
    }

    private static string ServiceEntries(int count)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Append($$"""
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: svc-{{i:D4}}, namespace: bench}
                spec:
                  hosts: [svc-{{i:D4}}.bench.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
                  endpoints:

                """);
            for (var j = 0; j < EndpointsPerService; j++)
                text.Append($"  - {{address: {Address(i, j)}, locality: eu-west/eu-west-{j % 3}, labels: {{app: svc-{i:D4}, version: v{j % 2 + 1}}}}}\n");
        }
        return text.ToString();
    }

    private static string Address(int service, int endpoint) => $"10.{service / 250}.{service % 250}.{endpoint + 1}";

    private static V1Node Node(int i) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = $"node-{i}",
            Labels = new Dictionary<string, string> { [KubernetesTranslator.RegionLabel] = "eu-west", [KubernetesTranslator.ZoneLabel] = $"eu-west-{i}" },
        },
    };

    private static V1Service KubeService(int i) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"svc-{i:D4}", NamespaceProperty = "bench", Labels = new Dictionary<string, string> { ["app"] = $"svc-{i:D4}" } },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            ClusterIP = $"10.96.{i / 250}.{i % 250 + 1}",
            Selector = new Dictionary<string, string> { ["app"] = $"svc-{i:D4}" },
            Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 8080, Protocol = "TCP" }],
        },
    };

    private static V1EndpointSlice Slice(int i) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = $"svc-{i:D4}-abcde",
            NamespaceProperty = "bench",
            Labels = new Dictionary<string, string> { [KubernetesTranslator.ServiceNameLabel] = $"svc-{i:D4}" },
        },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
        Endpoints = [.. Enumerable.Range(0, EndpointsPerService).Select(j => new V1Endpoint
        {
            Addresses = [Address(i, j)],
            NodeName = $"node-{j % 3}",
            Conditions = new V1EndpointConditions { Ready = true, Serving = true },
        })],
    };

    private static ConsulHealthEntry ConsulEntry(int service, int instance) => new(
        new ConsulNode($"node-{instance % 3}", Address(service, instance), "dc1", null),
        new ConsulService($"svc-{service:D4}-{instance}", $"svc-{service:D4}", ["version=v1"], Address(service, instance),
            new Dictionary<string, string> { ["protocol"] = "http" }, 8080, null, null),
        [new ConsulCheck("serfHealth", "passing", null), new ConsulCheck($"service:svc-{service:D4}-{instance}", "passing", $"svc-{service:D4}-{instance}")]);

    private sealed class NoUpdates : IMeshUpdater
    {
        public Task ServiceChangedAsync(ShardKey shard, string host, MeshService? service) => Task.CompletedTask;
        public Task EndpointsChangedAsync(ShardKey shard, string host, IReadOnlyList<MeshEndpoint> endpoints) => Task.CompletedTask;
        public Task ConfigChangedAsync(MeshConfig config) => Task.CompletedTask;
    }
}
