using Mesh.Api.Model;
using Mesh.Api.Tests.Yaml;

namespace Mesh.Api.Tests.Validation;

/// <summary>ServiceEntry hosts, addresses, ports and endpoints: one test per error kind.</summary>
public class ServiceEntryValidationTests
{
    private const string Se = "ServiceEntry";
    private const string Http = "ports:\n- {number: 80, name: http, protocol: HTTP}\n";

    [Fact]
    public void Validate_NoHosts_Reported() =>
        ValidationAssert.Single(Se, Http, "spec.hosts", null, "at least one host is required");

    [Fact]
    public void Validate_StarHost_Reported() =>
        ValidationAssert.Single(Se, "hosts: [\"*\"]\n" + Http, "spec.hosts[0]", "*", "cannot define the host \"*\"");

    [Fact]
    public void Validate_InvalidHost_Reported() =>
        ValidationAssert.Single(Se, "hosts: [\"api..example.com\"]\n" + Http, "spec.hosts[0]", "api..example.com", "empty labels");

    [Theory]
    [InlineData("STATIC\nendpoints: [{address: 10.0.0.1}]")]
    [InlineData("DNS")]
    public void Validate_WildcardHostWithStaticOrDns_Reported(string resolution) =>
        ValidationAssert.Single(Se, $"hosts: [\"*.example.com\"]\n{Http}resolution: {resolution}", "spec.hosts[0]", "*.example.com", "wildcard hosts require resolution NONE");

    [Fact]
    public void Validate_NoPorts_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]", "spec.ports", null, "at least one port is required");

    [Fact]
    public void Validate_PortNumberOutOfRange_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nports:\n- {number: 0, name: http, protocol: HTTP}", "spec.ports[0].number", "0", "port must be in [1, 65535]");

    [Fact]
    public void Validate_DuplicatePortNumber_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\n" + Http + "- {number: 80, name: web, protocol: HTTP}", "spec.ports[1].number", "80", "port number is already declared");

    [Fact]
    public void Validate_DuplicatePortName_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\n" + Http + "- {number: 81, name: http, protocol: HTTP}", "spec.ports[1].name", "http", "port name is already declared");

    [Fact]
    public void Validate_MissingPortName_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nports:\n- {number: 80, protocol: HTTP}", "spec.ports[0].name", null, "name is required");

    [Fact]
    public void Validate_InvalidPortName_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nports:\n- {number: 80, name: Http_Port, protocol: HTTP}", "spec.ports[0].name", "Http_Port", "DNS-1123 labels");

    [Fact]
    public void Validate_UnknownProtocol_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nports:\n- {number: 25, name: smtp, protocol: smtp}", "spec.ports[0].protocol", "SMTP", "protocol must be one of HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, TCP, TLS, MONGO, REDIS, MYSQL, UDP");

    [Fact]
    public void Validate_MissingProtocol_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nports:\n- {number: 80, name: http}", "spec.ports[0].protocol", null, "protocol is required");

    [Fact]
    public void Validate_ProtocolCaseInsensitive_StoredUpperCase()
    {
        var se = ConfigYaml.Valid<ServiceEntry>(Se, "hosts: [a.com]\nports:\n- {number: 80, name: web, protocol: grpc-web}");

        Assert.Equal("GRPC-WEB", se.Spec.Ports[0].Protocol);
    }

    [Fact]
    public void Validate_TargetPortOutOfRange_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nports:\n- {number: 80, name: http, protocol: HTTP, targetPort: 65536}", "spec.ports[0].targetPort", "65536", "port must be in [1, 65535]");

    [Fact]
    public void Validate_InvalidAddress_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\naddresses: [10.0.0.256]\n" + Http, "spec.addresses[0]", "10.0.0.256", "IP addresses or CIDR ranges");

    [Fact]
    public void Validate_CidrAddressWithDnsResolution_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\naddresses: [10.0.0.0/8]\nresolution: DNS\n" + Http, "spec.addresses[0]", "10.0.0.0/8", "only with resolution NONE or STATIC");

    [Fact]
    public void Validate_WorkloadSelectorAndEndpoints_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nresolution: STATIC\nworkloadSelector: {labels: {app: a}}\nendpoints: [{address: 10.0.0.1}]\n" + Http, "spec.workloadSelector", null, "cannot both be set");

    [Fact]
    public void Validate_EndpointsWithResolutionNone_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nendpoints: [{address: 10.0.0.1}]\n" + Http, "spec.endpoints", null, "not allowed with resolution NONE");

    [Fact]
    public void Validate_StaticWithoutEndpoints_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nresolution: STATIC\n" + Http, "spec.endpoints", null, "resolution STATIC requires endpoints or a workloadSelector");

    [Fact]
    public void Validate_StaticEndpointWithHostname_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nresolution: STATIC\nendpoints: [{address: db.example.com}]\n" + Http, "spec.endpoints[0].address", "db.example.com", "requires IP addresses or unix:// sockets");

    [Fact]
    public void Validate_StaticUnixSocketEndpoint_Accepted() =>
        Assert.Empty(ConfigYaml.Parse(Se, "hosts: [a.com]\nresolution: STATIC\nendpoints: [{address: \"unix:///var/run/a.sock\"}]\n" + Http).Errors);

    [Fact]
    public void Validate_DnsEndpointNotAHostname_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nresolution: DNS\nendpoints: [{address: \"unix:///var/run/a.sock\"}]\n" + Http, "spec.endpoints[0].address", "unix:///var/run/a.sock", "requires IP addresses or DNS names");

    [Fact]
    public void Validate_DnsRoundRobinWithTwoEndpoints_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nresolution: DNS_ROUND_ROBIN\nendpoints: [{address: a1.com}, {address: a2.com}]\n" + Http, "spec.endpoints", null, "at most one endpoint");

    [Fact]
    public void Validate_EndpointPortNameNotDeclared_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nresolution: STATIC\nendpoints: [{address: 10.0.0.1, ports: {grpc: 9090}}]\n" + Http, "spec.endpoints[0].ports.grpc", "grpc", "not declared in spec.ports");

    [Fact]
    public void Validate_EndpointPortOutOfRange_Reported() =>
        ValidationAssert.Single(Se, "hosts: [a.com]\nresolution: STATIC\nendpoints: [{address: 10.0.0.1, ports: {http: 0}}]\n" + Http, "spec.endpoints[0].ports.http", "0", "port must be in [1, 65535]");
}
