using System.Text;
using BenchmarkDotNet.Attributes;
using Mesh.Api.Yaml;

namespace Mesh.Benchmarks;

/// <summary>
/// ConfigParser.Parse: what the file source pays for every changed file. The three sample files
/// (one document each; the ServiceEntry is the baseline) and a generated 200-document file
/// (ServiceEntry, DestinationRule and VirtualService in turn), whose ratio over 200 gives the
/// per-document cost in a large file.
/// </summary>
[MemoryDiagnoser]
public class ConfigParserBenchmarks
{
    private string _serviceEntry = "", _destinationRule = "", _virtualService = "", _generated = "";

    [GlobalSetup]
    public void Setup()
    {
        _serviceEntry = RepoFiles.Sample("echo-serviceentry.yaml");
        _destinationRule = RepoFiles.Sample("echo-destinationrule.yaml");
        _virtualService = RepoFiles.Sample("echo-virtualservice.yaml");
        _generated = Generate(200);
        // A benchmark of the error path would measure nothing useful: fail loudly instead.
        foreach (var (name, text) in new[] { ("se", _serviceEntry), ("dr", _destinationRule), ("vs", _virtualService), ("gen", _generated) })
        {
            var result = ConfigParser.Parse(name, text);
            if (!result.IsValid) throw new InvalidOperationException($"{name}: {string.Join("; ", result.Errors)}");
        }
    }

    [Benchmark(Baseline = true)]
    public ParseResult Sample_ServiceEntry() => ConfigParser.Parse("echo-serviceentry.yaml", _serviceEntry);

    [Benchmark]
    public ParseResult Sample_DestinationRule() => ConfigParser.Parse("echo-destinationrule.yaml", _destinationRule);

    [Benchmark]
    public ParseResult Sample_VirtualService() => ConfigParser.Parse("echo-virtualservice.yaml", _virtualService);

    [Benchmark]
    public ParseResult Generated_200Documents() => ConfigParser.Parse("generated.yaml", _generated);

    /// <summary>count documents cycling through the three sample kinds, each for its own host.</summary>
    public static string Generate(int count)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var host = Workload.HostName(i / 3);
            var name = $"svc-{i / 3:D4}";
            text.Append("---\n").Append((i % 3) switch
            {
                0 => $$"""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata:
                      name: {{name}}
                      namespace: default
                    spec:
                      hosts:
                      - {{host}}
                      location: MESH_INTERNAL
                      resolution: STATIC
                      ports:
                      - number: 8080
                        name: http
                        protocol: HTTP
                      endpoints:
                      - address: 10.0.{{i / 250}}.{{i % 250 + 1}}
                        labels:
                          version: v1
                      - address: 10.1.{{i / 250}}.{{i % 250 + 1}}
                        labels:
                          version: v2

                    """,
                1 => $$"""
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata:
                      name: {{name}}
                      namespace: default
                    spec:
                      host: {{host}}
                      subsets:
                      - name: v1
                        labels:
                          version: v1
                      - name: v2
                        labels:
                          version: v2

                    """,
                _ => $$"""
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata:
                      name: {{name}}
                      namespace: default
                    spec:
                      hosts:
                      - {{host}}
                      http:
                      - route:
                        - destination:
                            host: {{host}}
                            subset: v1
                          weight: 90
                        - destination:
                            host: {{host}}
                            subset: v2
                          weight: 10

                    """,
            });
        }
        return text.ToString();
    }
}
