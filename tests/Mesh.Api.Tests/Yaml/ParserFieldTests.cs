namespace Mesh.Api.Tests.Yaml;

/// <summary>Structural errors the typed readers report: one test per kind of error.</summary>
public class ParserFieldTests
{
    private const string Route = """
        hosts: [reviews]
        http:
        - route:
          - destination:
              host: reviews
        """;

    [Fact]
    public void Parse_UnknownSpecField_ReportsPathLineAndSuggestion()
    {
        var error = ConfigYaml.OnlyError("VirtualService", Route + "\n  timout: 1s");

        Assert.Equal(("spec.http[0].timout", 12), (error.FieldPath, error.Line));
        Assert.Equal("unknown field \"timout\" (did you mean \"timeout\"?)", error.Message);
    }

    [Fact]
    public void Parse_UnknownNestedField_ReportsFullPath()
    {
        var error = ConfigYaml.OnlyError("VirtualService", Route + "\n    weigth: 100");

        Assert.Equal("spec.http[0].route[0].weigth", error.FieldPath);
    }

    [Fact]
    public void Parse_UnknownMetadataField_Reported()
    {
        var text = ConfigYaml.Doc("VirtualService", Route).Replace("  namespace: default\n", "  namespace: default\n  lables: {a: b}\n");

        var error = ConfigYaml.OnlyError(text);

        Assert.Equal(("metadata.lables", 6), (error.FieldPath, error.Line));
        Assert.Contains("did you mean \"labels\"", error.Message);
    }

    [Fact]
    public void Parse_UnknownTopLevelField_Reported()
    {
        var error = ConfigYaml.OnlyError(ConfigYaml.Doc("VirtualService", Route) + "extra: 1\n");

        Assert.Equal(("extra", "unknown field \"extra\""), (error.FieldPath, error.Message));
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("tls")]
    public void Parse_VirtualServiceTcpOrTls_ReportedAsNotSupportedYet(string section)
    {
        var error = ConfigYaml.OnlyError("VirtualService", Route + $"\n{section}:\n- route:\n  - destination: {{host: reviews}}");

        Assert.Equal(($"spec.{section}", $"field {section} is not supported yet"), (error.FieldPath, error.Message));
    }

    [Fact]
    public void Parse_IstioFieldWeDoNotImplement_ReportedAsNotSupportedYet()
    {
        var error = ConfigYaml.OnlyError("VirtualService", Route + "\n  corsPolicy:\n    allowOrigins: [{exact: x}]");

        Assert.Equal(("spec.http[0].corsPolicy", "field corsPolicy is not supported yet", 12), (error.FieldPath, error.Message, error.Line));
    }

    [Fact]
    public void Parse_ListWhereMappingExpected_Reported()
    {
        var error = ConfigYaml.OnlyError("VirtualService", Route + "\n  retries: [3]");

        Assert.Equal(("spec.http[0].retries", "expected a mapping, got a list"), (error.FieldPath, error.Message));
    }

    [Fact]
    public void Parse_ScalarWhereListExpected_Reported()
    {
        var error = ConfigYaml.OnlyError("VirtualService", "hosts: reviews\nhttp:\n- route:\n  - destination: {host: reviews}");

        Assert.Equal(("spec.hosts", "expected a list, got \"reviews\""), (error.FieldPath, error.Message));
    }

    [Fact]
    public void Parse_MappingWhereStringExpected_Reported()
    {
        var error = ConfigYaml.OnlyError("VirtualService", "hosts: [{a: b}]\nhttp:\n- route:\n  - destination: {host: reviews}");

        Assert.Equal(("spec.hosts[0]", "expected a string, got a mapping"), (error.FieldPath, error.Message));
    }

    [Fact]
    public void Parse_InvalidInteger_ReportsValue()
    {
        var error = ConfigYaml.OnlyError("VirtualService", Route + "\n    weight: heavy");

        Assert.Equal(("spec.http[0].route[0].weight", "heavy", "expected an integer", 12), (error.FieldPath, error.Value, error.Message, error.Line));
    }

    [Fact]
    public void Parse_NegativeValueForUnsignedField_Reported()
    {
        var error = ConfigYaml.OnlyError("ServiceEntry", "hosts: [a.com]\nports:\n- {number: -80, name: http, protocol: HTTP}");

        Assert.Equal(("spec.ports[0].number", "-80"), (error.FieldPath, error.Value));
        Assert.StartsWith("expected a non-negative integer", error.Message);
    }

    [Fact]
    public void Parse_InvalidBool_Reported()
    {
        var error = ConfigYaml.OnlyError("VirtualService", "hosts: [r]\nhttp:\n- match:\n  - ignoreUriCase: maybe\n  route:\n  - destination: {host: r}");

        Assert.Equal(("spec.http[0].match[0].ignoreUriCase", "maybe", "expected true or false"), (error.FieldPath, error.Value, error.Message));
    }

    [Fact]
    public void Parse_InvalidDuration_Reported()
    {
        var error = ConfigYaml.OnlyError("VirtualService", Route + "\n  timeout: 5 seconds");

        Assert.Equal(("spec.http[0].timeout", "5 seconds"), (error.FieldPath, error.Value));
        Assert.StartsWith("invalid duration", error.Message);
    }

    [Fact]
    public void Parse_InvalidEnum_ListsValuesAndSuggestsCase()
    {
        var error = ConfigYaml.OnlyError("DestinationRule", "host: r\ntrafficPolicy:\n  loadBalancer:\n    simple: round_robin");

        Assert.Equal(("spec.trafficPolicy.loadBalancer.simple", "round_robin"), (error.FieldPath, error.Value));
        Assert.Contains("ROUND_ROBIN, LEAST_REQUEST", error.Message);
        Assert.EndsWith("(did you mean ROUND_ROBIN?)", error.Message);
    }

    [Fact]
    public void Parse_StringMatchWithTwoKinds_Reported()
    {
        var error = ConfigYaml.OnlyError("VirtualService", "hosts: [r]\nhttp:\n- match:\n  - uri: {exact: /a, prefix: /b}\n  route:\n  - destination: {host: r}");

        Assert.Equal(("spec.http[0].match[0].uri", "only one of exact, prefix, regex may be set"), (error.FieldPath, error.Message));
    }

    [Fact]
    public void Parse_StringMatchWithNoKind_Reported()
    {
        var error = ConfigYaml.OnlyError("VirtualService", "hosts: [r]\nhttp:\n- match:\n  - headers:\n      x-user: {}\n  route:\n  - destination: {host: r}");

        Assert.Equal(("spec.http[0].match[0].headers.x-user", "exactly one of exact, prefix, regex is required"), (error.FieldPath, error.Message));
    }

    [Fact]
    public void Parse_DelayWithoutFixedDelay_Reported()
    {
        var error = ConfigYaml.OnlyError("VirtualService", Route + "\n  fault:\n    delay:\n      percentage: {value: 10}");

        Assert.Equal("spec.http[0].fault.delay.fixedDelay", error.FieldPath);
        Assert.StartsWith("fixedDelay is required", error.Message);
    }

    [Fact]
    public void Parse_PortLevelSettingWithoutPort_Reported()
    {
        var error = ConfigYaml.OnlyError("DestinationRule", "host: r\ntrafficPolicy:\n  portLevelSettings:\n  - loadBalancer: {simple: RANDOM}");

        Assert.Equal("spec.trafficPolicy.portLevelSettings[0].port", error.FieldPath);
        Assert.StartsWith("port is required", error.Message);
    }

    [Fact]
    public void Parse_RouteWithoutDestination_Reported()
    {
        var error = ConfigYaml.OnlyError("VirtualService", "hosts: [r]\nhttp:\n- route:\n  - weight: 100");

        Assert.Equal(("spec.http[0].route[0].destination", "destination is required"), (error.FieldPath, error.Message));
    }

    [Fact]
    public void Parse_SidecarEgressPortWithUnknownProtocol_Reported()
    {
        var error = ConfigYaml.OnlyError("Sidecar", "egress:\n- port: {number: 80, protocol: SMTP, name: mail}\n  hosts: [./*]");

        Assert.Equal(("spec.egress[0].port.protocol", "SMTP"), (error.FieldPath, error.Value));
    }

    [Fact]
    public void Parse_NullValues_ReadAsAbsent()
    {
        var vs = ConfigYaml.Valid<Mesh.Api.Model.VirtualService>("VirtualService", Route + "\n  timeout: ~\n  retries:\ngateways: null");

        Assert.Null(vs.Spec.Http[0].Timeout);
        Assert.Null(vs.Spec.Http[0].Retries);
        Assert.Empty(vs.Spec.Gateways);
    }

    [Fact]
    public void Parse_SeveralErrors_AllReportedAtOnce()
    {
        var result = ConfigYaml.Parse("VirtualService", Route + "\n  timeout: soon\n  retries: {attempts: many}\n  bogus: 1");

        Assert.Equal(
            ["spec.http[0].timeout", "spec.http[0].retries.attempts", "spec.http[0].bogus"],
            result.Errors.Select(e => e.FieldPath));
    }

    [Fact]
    public void Parse_InvalidNumber_Reported()
    {
        var error = ConfigYaml.OnlyError("VirtualService", Route + "\n  mirror: {host: shadow}\n  mirrorPercentage: {value: half}");

        Assert.Equal(("spec.http[0].mirrorPercentage.value", "half", "expected a number"), (error.FieldPath, error.Value, error.Message));
    }

    [Fact]
    public void Parse_NonScalarFieldName_Reported()
    {
        var error = ConfigYaml.OnlyError("VirtualService", Route + "\n? [a, b]\n: 1");

        Assert.Equal(("spec", "field names must be strings", 12), (error.FieldPath, error.Message, error.Line));
    }
}
