using Mesh.Api.Analysis;
using Mesh.Api.Yaml;
using static Mesh.Api.Tests.Analysis.AnalysisYaml;

namespace Mesh.Api.Tests.Analysis;

/// <summary>Table tests: a config and the findings it must produce ("Level Code Kind/name path").</summary>
public class MeshAnalyzerTests
{
    public static TheoryData<string, string, string[]> Cases => new()
    {
        { "clean config", Se("r", "reviews.example.com") + Dr("r", "reviews.example.com") + Vs("r", "reviews.example.com", "{host: reviews.example.com, subset: v1}"), [] },
        {
            "missing host", Vs("r", "reviews", "{host: ratings}"),
            ["Error IST0101 VirtualService/r spec.http[0].route[0].destination.host"]
        },
        {
            "short name in the same namespace", Se("r", "reviews.shop.svc.cluster.local", "shop") + Vs("r", "reviews", "{host: reviews}", "shop"), []
        },
        {
            "short name in another namespace", Se("r", "reviews.shop.svc.cluster.local", "shop") + Vs("r", "reviews", "{host: reviews}", "other"),
            ["Error IST0101 VirtualService/r spec.http[0].route[0].destination.host"]
        },
        {
            "short ServiceEntry host", Se("r", "reviews", "shop") + Vs("r", "front", "{host: reviews.shop.svc.cluster.local}", "shop"), []
        },
        {
            "wildcard ServiceEntry covers host", Doc("ServiceEntry", "ext", "default", "hosts: [\"*.example.com\"]\nports:\n- {number: 443, name: tls, protocol: TLS}")
            + Vs("r", "api.example.com", "{host: api.example.com}"), []
        },
        {
            "ServiceEntry not exported to the route's namespace", Se("r", "reviews.example.com", "shop", "exportTo: [\".\"]") + Vs("r", "front", "{host: reviews.example.com}", "other"),
            ["Error IST0101 VirtualService/r spec.http[0].route[0].destination.host"]
        },
        {
            "missing port", Se("r", "reviews.example.com") + Vs("r", "reviews.example.com", "{host: reviews.example.com, port: {number: 9080}}"),
            ["Error IST0101 VirtualService/r spec.http[0].route[0].destination.port.number"]
        },
        {
            "subset without any DestinationRule", Se("r", "reviews.example.com") + Vs("r", "reviews.example.com", "{host: reviews.example.com, subset: v1}"),
            ["Error IST0101 VirtualService/r spec.http[0].route[0].destination.subset"]
        },
        {
            "subset the DestinationRule lacks", Se("r", "reviews.example.com") + Dr("r", "reviews.example.com") + Vs("r", "reviews.example.com", "{host: reviews.example.com, subset: v2}"),
            ["Error IST0101 VirtualService/r spec.http[0].route[0].destination.subset"]
        },
        {
            "missing mirror host", Se("r", "reviews.example.com") + Vs("r", "reviews.example.com", "{host: reviews.example.com}", extra: "  mirror: {host: shadow.example.com}"),
            ["Error IST0101 VirtualService/r spec.http[0].mirror.host"]
        },
        {
            "subset labels match no endpoint", Se("r", "reviews.example.com") + Dr("r", "reviews.example.com", subsets: "v1,v3"),
            ["Warning IST0173 DestinationRule/r spec.subsets[1]"]
        },
        {
            "subset matched by a selected WorkloadEntry",
            Doc("ServiceEntry", "vm", "default", "hosts: [vm.example.com]\nports:\n- {number: 80, name: http, protocol: HTTP}\nresolution: STATIC\nworkloadSelector:\n  labels: {app: vm}")
            + Doc("WorkloadEntry", "vm-1", "default", "address: 10.0.0.9\nlabels: {app: vm, version: v2}")
            + Doc("WorkloadEntry", "other-ns", "elsewhere", "address: 10.0.0.8\nlabels: {app: vm, version: v3}")
            + Dr("vm", "vm.example.com", subsets: "v2,v3"),
            ["Warning IST0173 DestinationRule/vm spec.subsets[1]"]
        },
        {
            "DestinationRule host matches no service", Dr("r", "ghost.example.com"),
            ["Warning IST0174 DestinationRule/r spec.host"]
        },
        {
            "two ServiceEntries define a host", Se("a", "reviews.example.com") + Se("b", "reviews.example.com", "other"),
            ["Error MSH0001 ServiceEntry/a spec.hosts[0]", "Error MSH0001 ServiceEntry/b spec.hosts[0]"]
        },
        {
            "same host exported to disjoint namespaces", Se("a", "reviews.example.com", "ns1", "exportTo: [\".\"]") + Se("b", "reviews.example.com", "ns2", "exportTo: [\".\"]"), []
        },
        {
            "two DestinationRules for a host", Se("r", "reviews.example.com") + Dr("a", "reviews.example.com") + Dr("b", "reviews.example.com"),
            ["Warning MSH0002 DestinationRule/a spec.host", "Warning MSH0002 DestinationRule/b spec.host"]
        },
        {
            "two VirtualServices for a host", Se("r", "reviews.example.com") + Vs("a", "reviews.example.com", "{host: reviews.example.com}") + Vs("b", "reviews.example.com", "{host: reviews.example.com}"),
            ["Warning IST0109 VirtualService/a spec.hosts[0]", "Warning IST0109 VirtualService/b spec.hosts[0]"]
        },
        {
            "same host on different gateways", Se("r", "reviews.example.com")
            + Vs("a", "reviews.example.com", "{host: reviews.example.com}") + Vs("b", "reviews.example.com", "{host: reviews.example.com}", extra: "gateways: [istio-system/ingress]"), []
        },
        {
            "same object defined twice", Se("r", "reviews.example.com", extra: "exportTo: [\".\"]") + Se("r", "reviews.example.com", extra: "exportTo: [\".\"]"),
            [
                "Error MSH0003 ServiceEntry/r metadata.name", "Error MSH0001 ServiceEntry/r spec.hosts[0]",
                "Error MSH0003 ServiceEntry/r metadata.name", "Error MSH0001 ServiceEntry/r spec.hosts[0]",
            ]
        },
        {
            "invalid document is reported and left out of cross-checks", Se("r", "reviews.example.com", extra: "location: SOMEWHERE") + Vs("r", "front", "{host: reviews.example.com}"),
            ["Error IST0106 ServiceEntry/r spec.location", "Error IST0101 VirtualService/r spec.http[0].route[0].destination.host"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Analyze_Table(string scenario, string yaml, string[] expected)
    {
        var messages = MeshAnalyzer.Analyze([Parse(yaml)]);

        var actual = messages.Select(m => $"{m.Level} {m.Code} {m.Kind}/{m.Name} {m.FieldPath}").ToArray();
        Assert.True(expected.SequenceEqual(actual), $"{scenario}: expected [{string.Join("; ", expected)}] but got [{string.Join("; ", messages)}]");
    }

    [Fact]
    public void Analyze_KnownHosts_SuppressMissingHost()
    {
        var file = Parse(Vs("r", "reviews", "{host: ratings}", "shop"));

        Assert.Empty(MeshAnalyzer.Analyze([file], new MeshAnalyzerOptions(["*.svc.cluster.local"])));
    }

    [Fact]
    public void Analyze_Finding_PointsAtLineAndFormatsLikeIstioctl()
    {
        var file = Parse(Vs("reviews", "reviews", "{host: ratings}"));

        var message = Assert.Single(MeshAnalyzer.Analyze([file]));

        Assert.Equal(10, message.Line);
        Assert.Equal(
            "Error [IST0101] (VirtualService default/reviews analysis.yaml:10) spec.http[0].route[0].destination.host: Referenced host not found: \"ratings\"",
            message.ToString());
    }

    [Fact]
    public void Analyze_SchemaError_CarriesValueLineAndColumn()
    {
        var file = Parse(Vs("r", "reviews", "{host: reviews}") + "kind: [\n");

        var messages = MeshAnalyzer.Analyze([file]);

        var syntax = Assert.Single(messages, m => m.Code == AnalysisCodes.SchemaValidationError);
        Assert.Equal((AnalysisLevel.Error, 1, 13), (syntax.Level, syntax.DocumentIndex, syntax.Line));
        Assert.Contains("(column", syntax.Message);
    }

    [Fact]
    public void Analyze_ConflictAcrossFiles_NamesTheOtherFile()
    {
        var a = ConfigParser.Parse("a.yaml", Se("a", "reviews.example.com"));
        var b = ConfigParser.Parse("b.yaml", Se("b", "reviews.example.com"));

        var messages = MeshAnalyzer.Analyze([new ParsedFile("a.yaml", a), new ParsedFile("b.yaml", b)]);

        Assert.Equal(["a.yaml", "b.yaml"], messages.Select(m => m.File));
        Assert.Contains("ServiceEntry default/b (b.yaml)", messages[0].Message);
    }

    [Fact]
    public void AnalysisCodes_EveryCodeDescribed()
    {
        var codes = typeof(AnalysisCodes).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);

        Assert.All(codes, code => Assert.True(AnalysisCodes.Descriptions.ContainsKey(code), code));
    }

    private static ParsedFile Parse(string yaml) => new("analysis.yaml", ConfigParser.Parse("analysis.yaml", yaml));
}
