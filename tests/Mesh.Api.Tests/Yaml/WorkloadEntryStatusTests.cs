using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Tests.Yaml;

public sealed class WorkloadEntryStatusTests
{
    private static WorkloadEntry Read(string status)
    {
        var result = ConfigParser.Parse("e.yaml", $$"""
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: vm-1, namespace: apps}
            spec: {address: 10.0.0.1}
            {{status}}
            """);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return Assert.IsType<WorkloadEntry>(Assert.Single(result.Objects));
    }

    [Fact]
    public void Parse_NoStatus_NoHealth()
    {
        Assert.Null(Read("").Health);
    }

    [Fact]
    public void Parse_HealthyFalse_ReadWithTimeAndMessage()
    {
        var entry = Read("""
            status:
              observedGeneration: 3
              conditions:
              - type: Ready
                status: "True"
              - type: Healthy
                status: "False"
                lastProbeTime: "2025-06-01T12:00:00Z"
                lastTransitionTime: "2025-06-01T11:59:00Z"
                message: "HTTP probe failed with statuscode: 503"
            """);

        Assert.Equal(new HealthCondition(false, new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero), "HTTP probe failed with statuscode: 503"), entry.Health);
    }

    [Theory]
    [InlineData("True", true)]
    [InlineData("true", true)]
    [InlineData("False", false)]
    [InlineData("Unknown", false)]
    public void Parse_HealthyStatusValues_OnlyTrueIsHealthy(string value, bool healthy)
    {
        var entry = Read($"status: {{conditions: [{{type: Healthy, status: \"{value}\"}}]}}");

        Assert.Equal(healthy, entry.Health!.Healthy);
        Assert.Null(entry.Health.LastProbeTime);
    }

    [Fact]
    public void Parse_StatusOnOtherKinds_StillIgnored()
    {
        var result = ConfigParser.Parse("s.yaml", """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: s}
            spec: {hosts: [s.mesh.local], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}
            status: {conditions: [{type: Healthy, status: "False"}], anything: 1}
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }
}
