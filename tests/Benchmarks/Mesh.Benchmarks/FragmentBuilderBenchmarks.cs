using BenchmarkDotNet.Attributes;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Grains.Services;

namespace Mesh.Benchmarks;

/// <summary>
/// ServiceFragmentBuilder.Build: what a ServiceGrain pays on every change of its host. One method
/// per size rather than [Params], so that every ratio is against the same baseline (10 endpoints,
/// no routing config) and both the endpoint count and the routing config show up as ratios.
/// </summary>
[MemoryDiagnoser]
public class FragmentBuilderBenchmarks
{
    private const string Host = "echo.bench.mesh.local";
    private readonly MeshService _service = Workload.Service(Host);
    private readonly DestinationRule _rule = Workload.Rule(Host);
    private readonly IReadOnlyList<VirtualService> _routes = [Workload.Canary(Host)];
    private readonly IReadOnlyList<MeshEndpoint> _e10 = Workload.Endpoints(10);
    private readonly IReadOnlyList<MeshEndpoint> _e100 = Workload.Endpoints(100);
    private readonly IReadOnlyList<MeshEndpoint> _e1000 = Workload.Endpoints(1000);

    [Benchmark(Baseline = true)]
    public IReadOnlyList<XdsResource> Plain_10() => ServiceFragmentBuilder.Build(_service, _e10, null, []);

    [Benchmark]
    public IReadOnlyList<XdsResource> Plain_100() => ServiceFragmentBuilder.Build(_service, _e100, null, []);

    [Benchmark]
    public IReadOnlyList<XdsResource> Plain_1000() => ServiceFragmentBuilder.Build(_service, _e1000, null, []);

    [Benchmark]
    public IReadOnlyList<XdsResource> Routed_10() => ServiceFragmentBuilder.Build(_service, _e10, _rule, _routes);

    [Benchmark]
    public IReadOnlyList<XdsResource> Routed_100() => ServiceFragmentBuilder.Build(_service, _e100, _rule, _routes);

    [Benchmark]
    public IReadOnlyList<XdsResource> Routed_1000() => ServiceFragmentBuilder.Build(_service, _e1000, _rule, _routes);
}
