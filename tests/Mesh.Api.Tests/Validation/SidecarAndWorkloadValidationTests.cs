using Mesh.Api.Model;
using Mesh.Api.Tests.Yaml;

namespace Mesh.Api.Tests.Validation;

/// <summary>Sidecar egress and WorkloadEntry checks: one test per error kind.</summary>
public class SidecarAndWorkloadValidationTests
{
    [Fact]
    public void Validate_ValidSidecar_Accepted() =>
        ConfigYaml.Valid<Sidecar>("Sidecar", "egress:\n- hosts: [./*, istio-system/*, \"*/foo.com\", \"~/*\", \"prod/*.example.com\"]");

    [Fact]
    public void Validate_EgressHostWithoutNamespace_Reported() =>
        ValidationAssert.Single("Sidecar", "egress:\n- hosts: [foo.com]", "spec.egress[0].hosts[0]", "foo.com", "namespace/dnsName form");

    [Fact]
    public void Validate_EgressHostInvalidNamespace_Reported() =>
        ValidationAssert.Single("Sidecar", "egress:\n- hosts: [Prod/*]", "spec.egress[0].hosts[0]", "Prod/*", "the namespace part must be");

    [Fact]
    public void Validate_EgressHostInvalidDnsName_Reported() =>
        ValidationAssert.Single("Sidecar", "egress:\n- hosts: [\"./foo.*\"]", "spec.egress[0].hosts[0]", "./foo.*", "host label");

    [Fact]
    public void Validate_EgressWithoutHosts_Reported() =>
        ValidationAssert.Single("Sidecar", "egress:\n- port: {number: 80}", "spec.egress[0].hosts", null, "at least one host is required");

    [Fact]
    public void Validate_EgressInvalidBind_Reported() =>
        ValidationAssert.Single("Sidecar", "egress:\n- bind: localhost\n  hosts: [./*]", "spec.egress[0].bind", "localhost", "bind must be an IP address");

    [Fact]
    public void Validate_InvalidWorkloadSelectorLabel_Reported() =>
        ValidationAssert.Single("Sidecar", "workloadSelector:\n  labels: {app: \"-x\"}\negress:\n- hosts: [./*]", "spec.workloadSelector.labels.app", "-x", "label value");

    [Fact]
    public void Validate_WorkloadEntryWithoutAddress_Reported() =>
        ValidationAssert.Single("WorkloadEntry", "labels: {app: vm}", "spec.address", null, "address is required");

    [Fact]
    public void Validate_WorkloadEntryInvalidAddress_Reported() =>
        ValidationAssert.Single("WorkloadEntry", "address: \"not an address\"", "spec.address", "not an address", "IP address, a DNS name or a unix:// socket");

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("fd00::1")]
    [InlineData("vm1.example.com")]
    [InlineData("unix:///var/run/app.sock")]
    public void Validate_WorkloadEntryAddressForms_Accepted(string address) =>
        ConfigYaml.Valid<WorkloadEntry>("WorkloadEntry", $"address: \"{address}\"");
}
