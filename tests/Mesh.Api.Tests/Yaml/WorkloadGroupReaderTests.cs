using Mesh.Api.Model;
using Mesh.Api.Tests.Validation;

namespace Mesh.Api.Tests.Yaml;

public sealed class WorkloadGroupReaderTests
{
    [Fact]
    public void Parse_FullWorkloadGroup_ReadsEveryField()
    {
        var group = ConfigYaml.Valid<WorkloadGroup>("WorkloadGroup", """
            metadata:
              labels: {app: ratings, version: v3}
              annotations: {note: vm}
            template:
              ports: {http: 9080}
              serviceAccount: ratings
              network: vm-net
              locality: us-east/a
            probe:
              initialDelaySeconds: 5
              timeoutSeconds: 2
              periodSeconds: 4
              successThreshold: 2
              failureThreshold: 5
              httpGet:
                path: /ready
                port: 9080
                scheme: http
                httpHeaders: [{name: x-probe, value: "1"}]
            """);

        var spec = group.Spec;
        Assert.Equal("ratings", spec.Metadata.Labels["app"]);
        Assert.Equal("vm", spec.Metadata.Annotations["note"]);
        Assert.Equal(("", 9080u, "ratings", "vm-net", "us-east/a"),
            (spec.Template.Address, spec.Template.Ports["http"], spec.Template.ServiceAccount, spec.Template.Network, spec.Template.Locality));
        var probe = spec.Probe!;
        Assert.Equal((5, 2, 4, 2, 5), (probe.InitialDelaySeconds, probe.TimeoutSeconds, probe.PeriodSeconds, probe.SuccessThreshold, probe.FailureThreshold));
        Assert.Equal(("/ready", 9080u, "HTTP"), (probe.HttpGet!.Path, probe.HttpGet.Port, probe.HttpGet.Scheme));
        Assert.Equal(new KeyValuePair<string, string>("x-probe", "1"), Assert.Single(probe.HttpGet.Headers));
        Assert.Null(probe.TcpSocket);
    }

    [Fact]
    public void Parse_ProbeDefaults_AreKubernetes()
    {
        var probe = ConfigYaml.Valid<WorkloadGroup>("WorkloadGroup", """
            template: {ports: {tcp: 5432}}
            probe:
              tcpSocket: {port: 5432}
            """).Spec.Probe!;

        Assert.Equal((0, 1, 10, 1, 3), (probe.InitialDelaySeconds, probe.TimeoutSeconds, probe.PeriodSeconds, probe.SuccessThreshold, probe.FailureThreshold));
        Assert.Equal(new TcpProbe(null, 5432), probe.TcpSocket);
    }

    [Fact]
    public void Validate_TemplateWithAddress_Rejected() =>
        ValidationAssert.Single("WorkloadGroup", "template: {address: 10.0.0.1}", "spec.template.address", "10.0.0.1", "must not be set in a template");

    [Fact]
    public void Validate_TwoProbeKinds_Rejected() =>
        ValidationAssert.Single("WorkloadGroup", """
            template: {}
            probe:
              tcpSocket: {port: 1}
              exec: {command: [true]}
            """, "spec.probe", null, "exactly one of httpGet, tcpSocket or exec");

    [Fact]
    public void Validate_ZeroPeriod_Rejected() =>
        ValidationAssert.Single("WorkloadGroup", """
            template: {}
            probe: {periodSeconds: 0, exec: {command: [true]}}
            """, "spec.probe.periodSeconds", "0", "must be at least 1");

    [Fact]
    public void Parse_UnknownProbeField_NamesIt()
    {
        var error = ConfigYaml.OnlyError("WorkloadGroup", """
            template: {}
            probe: {grpc: {port: 1}}
            """);

        Assert.Equal("spec.probe.grpc", error.FieldPath);
    }
}
