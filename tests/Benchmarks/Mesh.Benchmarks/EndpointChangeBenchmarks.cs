using BenchmarkDotNet.Attributes;
using Mesh.Api.Model;
using Mesh.Grains.Services;

namespace Mesh.Benchmarks;

/// <summary>
/// What a ServiceGrain pays for an endpoint-only change: a full derivation (what it did before)
/// against rebuilding the load assignments alone and keeping the routes, listeners and route
/// variants of the previous derivation. Same host shape as FragmentBuilderBenchmarks (routed).
/// </summary>
[MemoryDiagnoser]
public class EndpointChangeBenchmarks
{
    private const string Host = "echo.bench.mesh.local";
    private readonly MeshService _service = Workload.Service(Host);
    private readonly DestinationRule _rule = Workload.Rule(Host);
    private readonly IReadOnlyList<VirtualService> _routes = [Workload.Canary(Host)];
    private readonly IReadOnlyList<MeshEndpoint> _e10 = Workload.Endpoints(10);
    private readonly IReadOnlyList<MeshEndpoint> _e100 = Workload.Endpoints(100);
    private ServiceFragmentBuilder.Output _previous10 = null!;
    private ServiceFragmentBuilder.Output _previous100 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _previous10 = ServiceFragmentBuilder.BuildWithVariants(_service, _e10.Skip(1).ToList(), _rule, _routes);
        _previous100 = ServiceFragmentBuilder.BuildWithVariants(_service, _e100.Skip(1).ToList(), _rule, _routes);
    }

    [Benchmark(Baseline = true)]
    public ServiceFragmentBuilder.Output Full_10() => ServiceFragmentBuilder.BuildWithVariants(_service, _e10, _rule, _routes);

    [Benchmark]
    public ServiceFragmentBuilder.Output EndpointsOnly_10() => ServiceFragmentBuilder.RebuildEndpoints(_previous10, _service, _e10, _rule, _routes);

    [Benchmark]
    public ServiceFragmentBuilder.Output Full_100() => ServiceFragmentBuilder.BuildWithVariants(_service, _e100, _rule, _routes);

    [Benchmark]
    public ServiceFragmentBuilder.Output EndpointsOnly_100() => ServiceFragmentBuilder.RebuildEndpoints(_previous100, _service, _e100, _rule, _routes);
}
