using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Tests.Yaml;

public class ParserDocumentTests
{
    private const string Vs = """
        hosts: [reviews]
        http:
        - route:
          - destination:
              host: reviews
        """;

    [Fact]
    public void Parse_MultiDocument_EmptyDocumentsSkippedButCounted()
    {
        var text = "# leading comment\n---\n" + ConfigYaml.Doc("VirtualService", Vs, "a") + "---\n---\n# only a comment\n---\n" + ConfigYaml.Doc("VirtualService", Vs, "b");

        var result = ConfigYaml.Parse(text);

        Assert.Empty(result.Errors);
        Assert.Equal(["a", "b"], result.Objects.Select(o => o.Meta.Name));
        Assert.Equal(new ConfigOrigin(ConfigYaml.File, 0), result.Objects[0].Meta.Origin);
        Assert.Equal(new ConfigOrigin(ConfigYaml.File, 3), result.Objects[1].Meta.Origin);
        Assert.Equal(4, result.DocumentCount);
    }

    [Fact]
    public void Parse_MissingNamespace_DefaultsToDefault()
    {
        var result = ConfigYaml.Parse(ConfigYaml.Doc("VirtualService", Vs, ns: null));

        Assert.Equal("default", Assert.Single(result.Objects).Meta.Namespace);
    }

    [Fact]
    public void Parse_Metadata_KeepsKindApiVersionAndLabels()
    {
        var text = "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: r\n  namespace: shop\n  labels:\n    app: reviews\n"
            + "  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{}'\n  resourceVersion: \"42\"\nspec:\n" + ConfigYaml.Indent(Vs) + "status: {}\n";

        var meta = Assert.Single(ConfigYaml.Parse(text).Objects).Meta;

        Assert.Equal(("VirtualService", "networking.istio.io/v1beta1", "r", "shop"), (meta.Kind, meta.ApiVersion, meta.Name, meta.Namespace));
        Assert.Equal("reviews", meta.Labels["app"]);
        Assert.Equal("VirtualService/shop/r", meta.Key);
    }

    [Theory]
    [InlineData("networking.istio.io/v1")]
    [InlineData("networking.istio.io/v1beta1")]
    [InlineData("networking.istio.io/v1alpha3")]
    public void Parse_SupportedApiVersions_Accepted(string apiVersion)
    {
        var result = ConfigYaml.Parse(ConfigYaml.Doc("VirtualService", Vs, apiVersion: apiVersion));

        Assert.Empty(result.Errors);
        Assert.Single(result.Objects);
    }

    [Fact]
    public void Parse_DocumentWithError_RejectedWhileOthersParse()
    {
        var bad = ConfigYaml.Doc("VirtualService", Vs + "\nbogus: 1", "bad");
        var text = ConfigYaml.Doc("VirtualService", Vs, "first") + "---\n" + bad + "---\n" + ConfigYaml.Doc("VirtualService", Vs, "last");

        var result = ConfigYaml.Parse(text);

        Assert.Equal(["first", "last"], result.Objects.Select(o => o.Meta.Name));
        var error = Assert.Single(result.Errors);
        Assert.Equal((1, "bad", "spec.bogus"), (error.DocumentIndex, error.Name, error.FieldPath));
    }

    [Fact]
    public void Parse_MalformedYaml_ReportsLineAndColumn_AndLaterDocumentsStillParse()
    {
        var text = ConfigYaml.Doc("VirtualService", Vs, "first") + "---\nkind: VirtualService\nmetadata:\n  name: x\n   bad: [\n---\n" + ConfigYaml.Doc("VirtualService", Vs, "last");

        var result = ConfigYaml.Parse(text);

        Assert.Equal(["first", "last"], result.Objects.Select(o => o.Meta.Name));
        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.DocumentIndex);
        Assert.StartsWith("malformed YAML", error.Message);
        Assert.Equal(16, error.Line);
        Assert.NotNull(error.Column);
        Assert.Equal(2, result.Objects[1].Meta.Origin!.DocumentIndex);
    }

    [Fact]
    public void Parse_DuplicateKey_ReportedAsMalformedYaml()
    {
        var error = ConfigYaml.OnlyError("VirtualService", Vs + "\nhosts: [other]");

        Assert.Contains("Duplicate key", error.Message);
        Assert.Equal(12, error.Line);
    }

    [Fact]
    public void Parse_DocumentNotAMapping_Reported()
    {
        var error = ConfigYaml.OnlyError("- just\n- a list\n");

        Assert.Contains("must be a mapping", error.Message);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Parse_MissingApiVersionAndKind_Reported()
    {
        var result = ConfigYaml.Parse("metadata:\n  name: x\nspec: {}\n");

        Assert.Equal(["apiVersion", "kind"], result.Errors.Select(e => e.FieldPath));
        Assert.All(result.Errors, e => Assert.EndsWith("is required", e.Message));
    }

    [Fact]
    public void Parse_UnsupportedApiVersion_Reported()
    {
        var error = ConfigYaml.OnlyError(ConfigYaml.Doc("VirtualService", Vs, apiVersion: "networking.istio.io/v2"));

        Assert.Equal(("apiVersion", "networking.istio.io/v2", 1), (error.FieldPath, error.Value, error.Line));
        Assert.Contains("networking.istio.io/v1alpha3", error.Message);
    }

    [Fact]
    public void Parse_UnknownKind_Reported()
    {
        var error = ConfigYaml.OnlyError("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n");

        Assert.Equal(("Deployment", "web", "default", 2), (error.Kind, error.Name, error.Namespace, error.Line));
        Assert.StartsWith("unknown kind \"Deployment\"", error.Message);
    }

    [Theory]
    [InlineData("AuthorizationPolicy")]
    [InlineData("PeerAuthentication")]
    [InlineData("RequestAuthentication")]
    [InlineData("Gateway")]
    public void Parse_KnownIstioKindWeDoNotServe_ReportedAsNotSupportedYet(string kind)
    {
        var error = ConfigYaml.OnlyError($"apiVersion: security.istio.io/v1\nkind: {kind}\nmetadata:\n  name: p\n  namespace: ns\nspec:\n  action: ALLOW\n");

        Assert.Equal($"kind {kind} is not supported yet", error.Message);
        Assert.Equal((kind, "p", "ns"), (error.Kind, error.Name, error.Namespace));
    }

    [Fact]
    public void Parse_MissingMetadataAndSpec_Reported()
    {
        var result = ConfigYaml.Parse("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n");

        Assert.Equal(["metadata", "spec"], result.Errors.Select(e => e.FieldPath));
    }

    [Fact]
    public void Parse_MissingName_Reported()
    {
        var error = ConfigYaml.OnlyError("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  namespace: x\nspec:\n" + ConfigYaml.Indent(Vs));

        Assert.Equal(("metadata.name", "name is required", 4), (error.FieldPath, error.Message, error.Line));
    }

    [Fact]
    public void Parse_CrLfAndBom_Handled()
    {
        var text = "\uFEFF" + ConfigYaml.Doc("VirtualService", Vs).Replace("\n", "\r\n") + "---\r\n" + ConfigYaml.Doc("VirtualService", Vs, "b").Replace("\n", "\r\n");

        var result = ConfigYaml.Parse(text);

        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Objects.Count);
    }

    [Fact]
    public void Parse_EmptyText_NoObjectsNoErrors()
    {
        var result = ConfigYaml.Parse("");

        Assert.True(result.IsValid);
        Assert.Empty(result.Objects);
        Assert.Equal(0, result.DocumentCount);
    }

    [Fact]
    public void ConfigError_ToString_ReadsLikeIstioctl()
    {
        var vs = """
            hosts: [reviews]
            http:
            - route:
              - destination:
                  host: reviews
                  subset: v1
                weight: 105
              - destination:
                  host: reviews
                  subset: v2
                weight: -5
            """;
        var text = ConfigYaml.Doc("VirtualService", Vs, "a") + "---\n" + ConfigYaml.Doc("VirtualService", Vs, "b") + "---\n" + ConfigYaml.Doc("VirtualService", vs, "reviews");

        var result = ConfigParser.Parse("samples/x.yaml", text.Replace("name: reviews\n  namespace: default", "name: reviews"));

        var error = result.Errors.Single(e => e.FieldPath == "spec.http[0].route[1].weight");
        Assert.Equal(
            "samples/x.yaml [doc 2] VirtualService default/reviews: spec.http[0].route[1].weight: invalid value \"-5\": weight must be in [0, 100] (line 40)",
            error.ToString());
    }

    [Fact]
    public void ConfigError_ToString_WithoutKindOrValue()
    {
        var error = new ConfigError("f.yaml", 0, null, null, null, null, "malformed YAML: boom", 3, Column: 7);

        Assert.Equal("f.yaml [doc 0]: malformed YAML: boom (line 3, column 7)", error.ToString());
    }
}
