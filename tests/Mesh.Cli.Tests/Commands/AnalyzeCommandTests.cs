using System.Text.Json;

namespace Mesh.Cli.Tests.Commands;

public sealed class AnalyzeCommandTests
{
    private static string Write(string yaml)
    {
        var dir = Directory.CreateTempSubdirectory("meshctl-analyze-").FullName;
        File.WriteAllText(Path.Combine(dir, "config.yaml"), yaml);
        return dir;
    }

    private const string ServiceEntry = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: shop, namespace: default}
        spec:
          hosts: [shop.mesh.local]
          resolution: STATIC
          ports: [{number: 80, name: http, protocol: HTTP}]
          endpoints: [{address: 127.0.0.1, labels: {version: v1}}]
        """;

    [Fact]
    public async Task Analyze_Samples_ExitsZeroWithNoIssues()
    {
        var result = await MeshCtlRunner.RunAsync("analyze", Path.Combine(MeshCtlRunner.RepoRoot(), "samples", "config"));

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("No validation issues found", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_RouteToUnknownHost_ExitsNonZeroAndNamesTheField()
    {
        var dir = Write(ServiceEntry + """

            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop, namespace: default}
            spec:
              hosts: [shop.mesh.local]
              http:
              - route: [{destination: {host: nowhere.mesh.local}}]
            """);

        var result = await MeshCtlRunner.RunAsync("analyze", dir);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("IST0101", result.Output, StringComparison.Ordinal);
        Assert.Contains("nowhere.mesh.local", result.Output, StringComparison.Ordinal);
        Assert.Contains("spec.http[0].route[0].destination.host", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_InvalidValue_JsonOutputCarriesFileFieldAndCode()
    {
        var dir = Write(ServiceEntry.Replace("number: 80", "number: 70000"));

        var result = await MeshCtlRunner.RunAsync("analyze", dir, "-o", "json");

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        var finding = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("Error", finding.GetProperty("level").GetString());
        Assert.EndsWith("config.yaml", finding.GetProperty("file").GetString(), StringComparison.Ordinal);
        Assert.Equal("spec.ports[0].number", finding.GetProperty("fieldPath").GetString());
    }

    [Fact]
    public async Task Analyze_MissingPath_ExitsTwo()
    {
        var result = await MeshCtlRunner.RunAsync("analyze", "/nonexistent/mesh-config");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/nonexistent/mesh-config", result.Error, StringComparison.Ordinal);
    }
}
