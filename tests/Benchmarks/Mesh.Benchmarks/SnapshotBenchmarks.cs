using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Mesh.Grains.Abstractions;
using Mesh.Grains.Services;
using Mesh.Silo.Push;

namespace Mesh.Benchmarks;

/// <summary>
/// What the PushHub pays per debounced flush: SnapshotBuilder.Build over every followed host,
/// then Diff against the previous snapshot. Hosts are the echo shape (2 ports, 4 endpoints,
/// 2 subsets, a 90/10 split: 18 resources each); the diff is after one host's endpoint edit,
/// the common case. Fragments are built once here, so only the hub's own work is measured.
/// </summary>
[MemoryDiagnoser]
public class SnapshotBenchmarks
{
    private const int EndpointsPerHost = 4;
    private List<ServiceFragments> _hosts100 = [];
    private List<ServiceFragments> _hosts1000 = [];
    private ResourceSnapshot _before100 = ResourceSnapshot.Empty, _after100 = ResourceSnapshot.Empty;
    private ResourceSnapshot _before1000 = ResourceSnapshot.Empty, _after1000 = ResourceSnapshot.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _hosts100 = Hosts(100);
        _hosts1000 = Hosts(1000);
        (_before100, _after100) = (SnapshotBuilder.Build(_hosts100), SnapshotBuilder.Build(WithOneEdit(_hosts100)));
        _edited1000 = WithOneEdit(_hosts1000);
        (_before1000, _after1000) = (SnapshotBuilder.Build(_hosts1000), SnapshotBuilder.Build(_edited1000));
        SnapshotBuilder.Build(_hosts1000, null, _hub);
        _edit100 = WithOneEdit(_hosts100)[0];
        _unrouted1000 = Workload.Fragments(_hosts1000[0].Host, EndpointsPerHost, routed: false);
        (_applied100, _applied1000, _routed1000) = (SnapshotBuilder.Build(_hosts100), SnapshotBuilder.Build(_hosts1000), SnapshotBuilder.Build(_hosts1000));
    }

    [Benchmark(Baseline = true)]
    public ResourceSnapshot Build_100() => SnapshotBuilder.Build(_hosts100);

    [Benchmark]
    public ResourceSnapshot Build_1000() => SnapshotBuilder.Build(_hosts1000);

    /// <summary>The part of Build that spans hosts (re-parses every virtual host), to see its share of Build.</summary>
    [Benchmark]
    public List<XdsResource> ComposeSidecar_100() => [.. new SidecarResources().Compose(_hosts100)];

    [Benchmark]
    public List<XdsResource> ComposeSidecar_1000() => [.. new SidecarResources().Compose(_hosts1000)];

    /// <summary>
    /// What the hub pays after an endpoint-only edit: its SidecarResources remembers the last
    /// composition, and no virtual host changed, so no port is recomposed. Alternates between the
    /// two host lists, both of which have the same virtual hosts.
    /// </summary>
    [Benchmark]
    public ResourceSnapshot Build_1000_HubAfterEndpointEdit()
    {
        _flip = !_flip;
        return SnapshotBuilder.Build(_flip ? _hosts1000 : _edited1000, null, _hub);
    }

    /// <summary>
    /// What the hub pays now after an endpoint-only edit: the last snapshot plus the one host that
    /// changed (SnapshotBuilder.Apply), diff included. Alternates the host between two versions.
    /// </summary>
    [Benchmark]
    public ResourceSnapshot Apply_EndpointEdit_100() => ApplyEdit(ref _applied100, ref _flip100, _hosts100[0], _edit100);

    [Benchmark]
    public ResourceSnapshot Apply_EndpointEdit_1000() => ApplyEdit(ref _applied1000, ref _flip1000, _hosts1000[0], _edited1000[0]);

    /// <summary>A routing edit: one host's virtual hosts change, so its ports' route tables (1,000 virtual hosts each) are recomposed.</summary>
    [Benchmark]
    public ResourceSnapshot Apply_RouteEdit_1000() => ApplyEdit(ref _routed1000, ref _flipRouted, _hosts1000[0], _unrouted1000);

    private ResourceSnapshot ApplyEdit(ref ResourceSnapshot current, ref bool flip, ServiceFragments a, ServiceFragments b)
    {
        flip = !flip;
        (current, _) = SnapshotBuilder.Apply(current, [flip ? b : a], [], _applyHub);
        return current;
    }

    private bool _flip100, _flip1000, _flipRouted;

    private readonly SidecarResources _applyHub = new();
    private ResourceSnapshot _applied100 = ResourceSnapshot.Empty, _applied1000 = ResourceSnapshot.Empty, _routed1000 = ResourceSnapshot.Empty;
    private ServiceFragments _edit100 = null!, _unrouted1000 = null!;

    private readonly SidecarResources _hub = new();
    private List<ServiceFragments> _edited1000 = [];
    private bool _flip;

    /// <summary>Build's per-type content versions alone (re-sorts and hashes every resource of every type).</summary>
    [Benchmark]
    public List<string> TypeVersions_1000() => [.. _before1000.ByType.Values.Select(named => ContentVersion.Of(named.Values))];

    [Benchmark]
    public ImmutableDictionary<string, ImmutableHashSet<string>> Diff_100() => SnapshotBuilder.Diff(_before100, _after100);

    [Benchmark]
    public ImmutableDictionary<string, ImmutableHashSet<string>> Diff_1000() => SnapshotBuilder.Diff(_before1000, _after1000);

    private static List<ServiceFragments> Hosts(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Workload.Fragments(Workload.HostName(i), EndpointsPerHost, routed: true))];

    /// <summary>The same hosts with host 0's endpoint addresses changed.</summary>
    private static List<ServiceFragments> WithOneEdit(List<ServiceFragments> hosts) =>
        [Workload.Fragments(hosts[0].Host, EndpointsPerHost, routed: true, seed: 1), .. hosts.Skip(1)];
}
