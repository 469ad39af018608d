using Mesh.Api.Analysis;
using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Tests.Yaml;

/// <summary>samples/config is what the silo serves by default, so it must stay clean.</summary>
public class SampleConfigTests
{
    private static readonly string SamplesDirectory = Path.Combine(RepoRoot(), "samples", "config");

    [Fact]
    public void Samples_EveryFileParsesWithoutErrors()
    {
        var files = ConfigLoader.LoadPath(SamplesDirectory);

        Assert.NotEmpty(files);
        Assert.All(files, file => Assert.True(file.Result.IsValid, string.Join("\n", file.Errors)));
    }

    [Fact]
    public void Samples_AnalyzeWithoutFindings()
    {
        var messages = MeshAnalyzer.Analyze(ConfigLoader.LoadPath(SamplesDirectory));

        Assert.True(messages.Count == 0, string.Join("\n", messages));
    }

    [Fact]
    public void Samples_DescribeTheEchoCanary()
    {
        var config = MeshConfig.From(ConfigLoader.LoadPath(SamplesDirectory).SelectMany(f => f.Objects));

        var se = Assert.Single(config.ServiceEntries);
        Assert.Equal(["echo.mesh.local"], se.Spec.Hosts);
        Assert.Equal((ServiceLocation.MeshInternal, ServiceResolution.Static), (se.Spec.Location, se.Spec.Resolution));
        Assert.Equal([new ServicePort(50051, "GRPC", "grpc", null), new ServicePort(8080, "HTTP", "http", null)], se.Spec.Ports);
        Assert.Equal([(50061u, 18081u, "v1"), (50062u, 18082u, "v2")], se.Spec.Endpoints.Select(e => (e.Ports["grpc"], e.Ports["http"], e.Labels["version"])));
        Assert.All(se.Spec.Endpoints, e => Assert.Equal("127.0.0.1", e.Address));

        var dr = Assert.Single(config.DestinationRules);
        Assert.Equal(["v1", "v2"], dr.Spec.Subsets.Select(s => s.Name));
        Assert.NotNull(dr.Spec.TrafficPolicy!.LoadBalancer);

        var route = Assert.Single(Assert.Single(config.VirtualServices).Spec.Http);
        Assert.Equal([("v1", 90), ("v2", 10)], route.Route.Select(r => (r.Destination.Subset, r.Weight)));
        Assert.NotNull(route.Timeout);
        Assert.True(route.Retries!.Attempts > 0);
    }

    /// <summary>The repository root: the nearest ancestor of the test binaries holding Mesh.sln.</summary>
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Mesh.sln not found above {AppContext.BaseDirectory}");
    }
}
