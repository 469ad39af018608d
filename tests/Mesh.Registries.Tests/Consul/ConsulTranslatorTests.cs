using Mesh.Api.Model;
using Mesh.Registries.Consul;

namespace Mesh.Registries.Tests.Consul;

public sealed class ConsulTranslatorTests
{
    private static readonly ConsulOptions Options = new(new Uri("http://127.0.0.1:8500"), [], null);

    private static ConsulHealthEntry Entry(string id, int port, string status = "passing", string? address = "10.0.0.1",
        string[]? tags = null, Dictionary<string, string>? meta = null, Dictionary<string, string>? nodeMeta = null, string nodeStatus = "passing") =>
        new(new ConsulNode("node-" + id, "192.168.0.1", "dc1", nodeMeta),
            new ConsulService(id, "web", tags, address, meta, port, new ConsulWeights(1, 1), null),
            [new ConsulCheck("serfHealth", nodeStatus, ""), new ConsulCheck("service:" + id, status, id)]);

    [Fact]
    public void Translate_TagsAndMeta_BecomeLabelsMetaWinning()
    {
        var entry = Entry("a", 8080, tags: ["version=v1", "canary", "team=red"], meta: new() { ["team"] = "blue" });

        var (_, endpoints) = ConsulTranslator.Translate("web", [entry], "dc1", Options)!.Value;

        Assert.Equal(new Dictionary<string, string> { ["version"] = "v1", ["canary"] = "true", ["team"] = "blue" }, Assert.Single(endpoints).Labels);
    }

    [Fact]
    public void Translate_Service_HostInDomainNamespaceFromOptions()
    {
        var (service, _) = ConsulTranslator.Translate("web", [Entry("a", 8080)], "dc1", Options with { Domain = "consul.internal", Namespace = "legacy" })!.Value;

        Assert.Equal("web.consul.internal", service.Host);
        Assert.Equal("legacy", service.Namespace);
        Assert.Equal(ServiceResolution.Static, service.Resolution);
    }

    [Fact]
    public void Translate_ProtocolMeta_NamesThePort()
    {
        var (service, endpoints) = ConsulTranslator.Translate("web", [Entry("a", 8080, meta: new() { ["protocol"] = "grpc" })], "dc1", Options)!.Value;

        Assert.Equal(new ServicePort(8080, "GRPC", "grpc", null), Assert.Single(service.Ports));
        Assert.Equal(8080u, Assert.Single(endpoints).Ports["grpc"]);
    }

    [Fact]
    public void Translate_ProtocolTag_UsedWithoutMeta()
    {
        var (service, _) = ConsulTranslator.Translate("web", [Entry("a", 8080, tags: ["protocol=http"])], "dc1", Options)!.Value;

        Assert.Equal("HTTP", Assert.Single(service.Ports).Protocol);
    }

    [Fact]
    public void Translate_NoProtocol_Tcp()
    {
        var (service, _) = ConsulTranslator.Translate("web", [Entry("a", 8080)], "dc1", Options)!.Value;

        Assert.Equal(new ServicePort(8080, "TCP", "tcp", null), Assert.Single(service.Ports));
    }

    [Fact]
    public void Translate_InstancesOnDifferentPorts_ServicePortIsTheCommonOneEachServedOnItsOwn()
    {
        var (service, endpoints) = ConsulTranslator.Translate("web", [Entry("a", 9000), Entry("b", 8080), Entry("c", 8080)], "dc1", Options)!.Value;

        Assert.Equal(8080u, Assert.Single(service.Ports).Number);
        Assert.Equal([9000u, 8080u, 8080u], endpoints.Select(e => e.Ports["tcp"]));
    }

    [Fact]
    public void Translate_CriticalServiceOrNodeCheck_NotServedButServiceKept()
    {
        var (service, endpoints) = ConsulTranslator.Translate("web",
            [Entry("a", 8080, "critical"), Entry("b", 8080, nodeStatus: "critical"), Entry("c", 8080, address: "10.0.0.3")], "dc1", Options)!.Value;

        Assert.Equal("10.0.0.3", Assert.Single(endpoints).Address);
        Assert.Single(service.Ports);
    }

    [Fact]
    public void Translate_Warning_ServedOnlyWhenOptionSaysSo()
    {
        ConsulHealthEntry[] entries = [Entry("a", 8080, "warning")];

        Assert.Empty(ConsulTranslator.Translate("web", entries, "dc1", Options)!.Value.Endpoints);
        Assert.Single(ConsulTranslator.Translate("web", entries, "dc1", Options with { WarningIsPassing = true })!.Value.Endpoints);
    }

    [Fact]
    public void Translate_NoServiceAddress_UsesTheNodes()
    {
        var (_, endpoints) = ConsulTranslator.Translate("web", [Entry("a", 8080, address: "")], "dc1", Options)!.Value;

        Assert.Equal("192.168.0.1", Assert.Single(endpoints).Address);
    }

    [Fact]
    public void Translate_Datacenter_IsRegionZoneFromNodeMeta()
    {
        var (_, endpoints) = ConsulTranslator.Translate("web",
            [Entry("a", 8080), Entry("b", 8080, address: "10.0.0.2", nodeMeta: new() { ["zone"] = "z2" })], "dc1", Options)!.Value;

        Assert.Equal(["dc1", "dc1/z2"], endpoints.Select(e => e.Locality));
    }

    [Fact]
    public void Translate_NoInstances_Null()
    {
        Assert.Null(ConsulTranslator.Translate("web", [], "dc1", Options));
    }
}
