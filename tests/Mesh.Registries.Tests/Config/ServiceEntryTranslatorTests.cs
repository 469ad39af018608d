using Mesh.Api.Model;
using Mesh.Registries.Config;

namespace Mesh.Registries.Tests.Config;

public sealed class ServiceEntryTranslatorTests
{
    [Fact]
    public void Translate_WorkloadSelector_SelectsWorkloadEntriesOfTheSameNamespaceByLabels()
    {
        var config = ConfigText.Parse("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: vm, namespace: apps}
            spec:
              hosts: [vm.mesh.local]
              resolution: STATIC
              ports: [{number: 80, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: vm}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: vm-1, namespace: apps}
            spec: {address: 10.0.0.1, labels: {app: vm}, locality: eu/west}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: other, namespace: apps}
            spec: {address: 10.0.0.2, labels: {app: other}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: vm-elsewhere, namespace: other}
            spec: {address: 10.0.0.3, labels: {app: vm}}
            """);

        var (service, endpoints) = ServiceEntryTranslator.Translate(config)["vm.mesh.local"];

        Assert.Equal("apps", service.Namespace);
        Assert.True(service.SelectsWorkloads);
        var endpoint = Assert.Single(endpoints);
        Assert.Equal("10.0.0.1", endpoint.Address);
        Assert.Equal("eu/west", endpoint.Locality);
    }

    [Fact]
    public void Translate_WorkloadEntryAndInlineEndpoint_WorkloadNameOnlyForTheEntry()
    {
        var config = ConfigText.Parse("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: vm, namespace: apps}
            spec:
              hosts: [vm.mesh.local]
              resolution: STATIC
              ports: [{number: 80, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: vm}}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: inline, namespace: apps}
            spec:
              hosts: [inline.mesh.local]
              resolution: STATIC
              ports: [{number: 80, name: http, protocol: HTTP}]
              endpoints: [{address: 10.0.0.9}]
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: vm-1, namespace: apps}
            spec: {address: 10.0.0.1, labels: {app: vm}}
            """);

        var services = ServiceEntryTranslator.Translate(config);

        // Istio names a WorkloadEntry's workload after it; an inline endpoint belongs to no workload.
        Assert.Equal("vm-1", Assert.Single(services["vm.mesh.local"].Endpoints).WorkloadName);
        Assert.Null(Assert.Single(services["inline.mesh.local"].Endpoints).WorkloadName);
    }

    [Fact]
    public void Translate_TwoEntriesForOneHost_FirstByNamespaceAndNameWins()
    {
        var config = ConfigText.Parse("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: b, namespace: default}
            spec:
              hosts: [dup.mesh.local]
              resolution: STATIC
              ports: [{number: 81, name: http, protocol: HTTP}]
              endpoints: [{address: 127.0.0.1}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: a, namespace: default}
            spec:
              hosts: [dup.mesh.local]
              resolution: STATIC
              ports: [{number: 80, name: http, protocol: HTTP}]
              endpoints: [{address: 127.0.0.1}]
            """);

        Assert.Equal(80u, ServiceEntryTranslator.Translate(config)["dup.mesh.local"].Service.Ports.Single().Number);
    }
}

public sealed class ServiceEntryTranslatorHealthTests
{
    [Theory]
    [InlineData("", EndpointHealth.Healthy)]
    [InlineData("status: {conditions: [{type: Healthy, status: \"True\"}]}", EndpointHealth.Healthy)]
    [InlineData("status: {conditions: [{type: Healthy, status: \"False\", message: probe failed}]}", EndpointHealth.Unhealthy)]
    [InlineData("status: {conditions: [{type: Ready, status: \"False\"}]}", EndpointHealth.Healthy)]
    public void Translate_WorkloadEntryHealthyCondition_EndpointHealth(string status, EndpointHealth expected)
    {
        var config = ConfigText.Parse($$$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: vm, namespace: apps}
            spec:
              hosts: [vm.mesh.local]
              resolution: STATIC
              ports: [{number: 80, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: vm}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: vm-1, namespace: apps}
            spec: {address: 10.0.0.1, labels: {app: vm}}
            {{{status}}}
            """);

        var (_, endpoints) = ServiceEntryTranslator.Translate(config)["vm.mesh.local"];

        Assert.Equal(expected, Assert.Single(endpoints).Health);
    }
}
