using Mesh.Api.Model;
using Mesh.Api.Tests.Yaml;
using Mesh.Api.Validation;

namespace Mesh.Api.Tests.Validation;

public class MetadataValidationTests
{
    private const string Vs = "hosts: [r]\nhttp:\n- route:\n  - destination: {host: r}";

    [Fact]
    public void Validate_InvalidName_ReportsDns1123()
    {
        var error = ConfigYaml.OnlyError(ConfigYaml.Doc("VirtualService", Vs, name: "Reviews_V1"));

        Assert.Equal(("metadata.name", "Reviews_V1", 4), (error.FieldPath, error.Value, error.Line));
        Assert.Contains("DNS-1123 subdomain", error.Message);
    }

    [Fact]
    public void Validate_InvalidNamespace_ReportsDns1123Label()
    {
        var error = ConfigYaml.OnlyError(ConfigYaml.Doc("VirtualService", Vs, ns: "my.ns"));

        Assert.Equal(("metadata.namespace", "my.ns"), (error.FieldPath, error.Value));
        Assert.Contains("DNS-1123 label", error.Message);
    }

    [Fact]
    public void Validate_InvalidLabelKey_Reported()
    {
        var error = ConfigYaml.OnlyError(ConfigYaml.Doc("VirtualService", Vs).Replace("  namespace: default\n", "  namespace: default\n  labels:\n    -bad: x\n"));

        Assert.Equal(("metadata.labels.-bad", "-bad", 7), (error.FieldPath, error.Value, error.Line));
        Assert.Contains("label key", error.Message);
    }

    [Fact]
    public void Validate_InvalidLabelKeyPrefix_Reported()
    {
        var error = ConfigYaml.OnlyError(ConfigYaml.Doc("VirtualService", Vs).Replace("  namespace: default\n", "  namespace: default\n  labels:\n    Example.COM/app: x\n"));

        Assert.Equal(("metadata.labels[\"Example.COM/app\"]", "Example.COM/app"), (error.FieldPath, error.Value));
        Assert.Contains("label key prefix must be a DNS-1123 subdomain", error.Message);
    }

    [Fact]
    public void Validate_InvalidLabelValue_Reported()
    {
        var error = ConfigYaml.OnlyError(ConfigYaml.Doc("VirtualService", Vs).Replace("  namespace: default\n", "  namespace: default\n  labels:\n    app.kubernetes.io/name: \"has space\"\n"));

        Assert.Equal(("metadata.labels[\"app.kubernetes.io/name\"]", "has space", 7), (error.FieldPath, error.Value, error.Line));
        Assert.Contains("label value", error.Message);
    }

    [Fact]
    public void Validate_InvalidExportTo_Reported() =>
        ValidationAssert.Single("VirtualService", Vs + "\nexportTo: [Bad_NS]", "spec.exportTo[0]", "Bad_NS", "exportTo entries must be");

    [Fact]
    public void Validate_ExportToNoneCombinedWithOthers_Reported() =>
        ValidationAssert.Single("VirtualService", Vs + "\nexportTo: [\"~\", shop]", "spec.exportTo", "~,shop", "cannot be combined");

    [Fact]
    public void Validate_CalledDirectlyOnModel_ReportsOriginButNoLine()
    {
        var meta = new ConfigMeta("WorkloadEntry", "networking.istio.io/v1", "vm", "default", new Dictionary<string, string>(), new ConfigOrigin("in-memory", 0));
        var we = new WorkloadEntry(meta, new WorkloadEntrySpec("", new Dictionary<string, uint>(), new Dictionary<string, string>(), null, null, null, null));

        var error = Assert.Single(ConfigValidator.Validate(we));

        Assert.Equal("in-memory [doc 0] WorkloadEntry default/vm: spec.address: address is required", error.ToString());
    }

    [Fact]
    public void Validate_ModelWithoutOriginOrName_StillFormats()
    {
        var meta = new ConfigMeta("WorkloadEntry", "networking.istio.io/v1", "", "default", new Dictionary<string, string>());
        var we = new WorkloadEntry(meta, new WorkloadEntrySpec("10.0.0.1", new Dictionary<string, uint>(), new Dictionary<string, string>(), null, null, null, null));

        var error = Assert.Single(ConfigValidator.Validate(we));

        Assert.Equal("<input> WorkloadEntry: metadata.name: name is required", error.ToString());
    }
}
