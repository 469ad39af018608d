using Mesh.Api.Model;
using Mesh.Registries.Tests.Kubernetes;
using Mesh.Registries.Updates;
using Mesh.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Registries.Tests.Updates;

public sealed class RegistryObjectFilterTests
{
    private const string Host = "web.demo.svc.cluster.local";
    private static readonly ShardKey Shard = new("Kubernetes", "c1");
    private readonly RecordingLogger _log = new();
    private readonly FakeTimeProvider _time = new();
    private readonly RegistryObjectFilter _filter;

    public RegistryObjectFilterTests() => _filter = new RegistryObjectFilter(Shard, _log, _time);

    private static MeshService Service(ServiceResolution resolution = ServiceResolution.Static, params ServicePort[] ports) =>
        new(Host, "demo", ports.Length == 0 ? [Port(80, "http")] : ports, new Dictionary<string, string>(), ServiceLocation.MeshInternal, resolution, []);

    private static ServicePort Port(uint number, string name, uint? targetPort = null) => new(number, "HTTP", name, targetPort);

    private static MeshEndpoint Endpoint(string address, params (string Name, uint Port)[] ports) =>
        new(address, ports.ToDictionary(p => p.Name, p => p.Port), new Dictionary<string, string>(), null, 0, EndpointHealth.Healthy, null, null);

    private List<LogEntry> Warnings() => [.. _log.Entries.Where(e => e.Level == LogLevel.Warning)];

    [Theory]
    [InlineData("10.1.0.1", ServiceResolution.Static, true)]
    [InlineData("2001:db8::1", ServiceResolution.Static, true)]
    [InlineData("unix:///var/run/app.sock", ServiceResolution.Static, true)]
    [InlineData("unix://@abstract", ServiceResolution.Static, true)]
    [InlineData("not-an-ip", ServiceResolution.Static, false)]
    [InlineData("999.1.1.1", ServiceResolution.Static, false)]
    [InlineData("010.1.1.1", ServiceResolution.Static, false)]
    [InlineData("10.1.1", ServiceResolution.Static, false)]
    [InlineData("", ServiceResolution.Static, false)]
    [InlineData("unix://", ServiceResolution.Static, false)]
    [InlineData("10.1.0.1", ServiceResolution.None, true)]
    [InlineData("not-an-ip", ServiceResolution.None, false)]
    [InlineData("db.example.com", ServiceResolution.Dns, true)]
    [InlineData("not-an-ip", ServiceResolution.Dns, true)]
    [InlineData("10.1.0.1", ServiceResolution.Dns, true)]
    [InlineData("db.example.com", ServiceResolution.DnsRoundRobin, true)]
    [InlineData("bad host!", ServiceResolution.Dns, false)]
    [InlineData("*.example.com", ServiceResolution.Dns, false)]
    [InlineData("unix:///var/run/app.sock", ServiceResolution.Dns, false)]
    [InlineData("", ServiceResolution.Dns, false)]
    public void Check_EndpointAddress_KeptOnlyIfTheResolutionCanUseIt(string address, ServiceResolution resolution, bool kept)
    {
        var (_, endpoints, dropped) = RegistryObjectFilter.Check(Host, Service(resolution), [Endpoint("10.9.9.9"), Endpoint(address)]);

        Assert.Equal(kept ? ["10.9.9.9", address] : ["10.9.9.9"], endpoints.Select(e => e.Address));
        if (kept) Assert.Empty(dropped);
        else Assert.Equal(new DroppedObject(Host, $"endpoints[{address}].address", address, Assert.Single(dropped).Reason), dropped[0]);
    }

    [Theory]
    [InlineData(1u, null, null)]
    [InlineData(65535u, null, null)]
    [InlineData(8080u, 9090u, null)]
    [InlineData(0u, null, "ports[1].number")]
    [InlineData(65536u, null, "ports[1].number")]
    [InlineData(70000u, null, "ports[1].number")]
    [InlineData(8080u, 0u, "ports[1].targetPort")]
    [InlineData(8080u, 70000u, "ports[1].targetPort")]
    [InlineData(443u, null, "ports[1].number")]
    public void Check_ServicePort_DroppedAloneWhenOutOfRangeOrRepeated(uint number, uint? targetPort, string? droppedField)
    {
        var service = Service(ServiceResolution.Static, Port(443, "https"), Port(number, "other", targetPort));

        var (kept, _, dropped) = RegistryObjectFilter.Check(Host, service, []);

        if (droppedField is null)
        {
            Assert.Same(service, kept);
            Assert.Empty(dropped);
        }
        else
        {
            Assert.Equal([443u], kept!.Ports.Select(p => p.Number));
            Assert.Equal(droppedField, Assert.Single(dropped).Field);
        }
    }

    [Fact]
    public void Check_RepeatedPortNumbers_FirstInRangeKept()
    {
        var service = Service(ServiceResolution.Static, Port(80, "a", 70000), Port(80, "b"), Port(80, "c"), Port(81, "d"));

        var (kept, _, dropped) = RegistryObjectFilter.Check(Host, service, []);

        Assert.Equal(["b", "d"], kept!.Ports.Select(p => p.Name));
        Assert.Equal(["ports[0].targetPort", "ports[2].number"], dropped.Select(d => d.Field));
    }

    [Theory]
    [InlineData(1u, true)]
    [InlineData(65535u, true)]
    [InlineData(0u, false)]
    [InlineData(70000u, false)]
    public void Check_EndpointPortForAServedPort_OutOfRangeDropsTheEndpoint(uint port, bool kept)
    {
        var (_, endpoints, dropped) = RegistryObjectFilter.Check(Host, Service(), [Endpoint("10.1.0.1", ("http", port)), Endpoint("10.1.0.2")]);

        Assert.Equal(kept ? ["10.1.0.1", "10.1.0.2"] : ["10.1.0.2"], endpoints.Select(e => e.Address));
        if (!kept) Assert.Equal(new DroppedObject(Host, "endpoints[10.1.0.1].ports[http]", port.ToString(), "port must be in [1, 65535]"), Assert.Single(dropped));
    }

    [Fact]
    public void Check_EndpointPortForAPortNotServed_KeepsTheEndpoint()
    {
        // The mapping of a dropped service port never reaches a proxy (an ExternalName service maps every port).
        var service = Service(ServiceResolution.Dns, Port(0, "zero"), Port(80, "http"));

        var (kept, endpoints, dropped) = RegistryObjectFilter.Check(Host, service, [Endpoint("db.example.com", ("zero", 0), ("http", 80))]);

        Assert.Equal(["http"], kept!.Ports.Select(p => p.Name));
        Assert.Single(endpoints);
        Assert.Equal("ports[0].number", Assert.Single(dropped).Field);
    }

    [Fact]
    public void Check_EndpointsOnly_NeedAnIpAndEveryPortInRange()
    {
        // Endpoints a shard adds to another shard's host (pods a ServiceEntry selects): their service is not known here.
        var (service, endpoints, dropped) = RegistryObjectFilter.Check(Host, null,
            [Endpoint("10.1.0.1", ("http", 8080)), Endpoint("pod.example.com"), Endpoint("10.1.0.3", ("anything", 0))]);

        Assert.Null(service);
        Assert.Equal(["10.1.0.1"], endpoints.Select(e => e.Address));
        Assert.Equal(["endpoints[pod.example.com].address", "endpoints[10.1.0.3].ports[anything]"], dropped.Select(d => d.Field));
    }

    [Fact]
    public void Check_ServiceAddresses_KeepsIpsAndCidrs()
    {
        var service = Service() with { Addresses = ["10.96.0.10", "10.0.0.0/24", "not-an-ip", "2001:db8::/32", "10.0.0.0/33"] };

        var (kept, _, dropped) = RegistryObjectFilter.Check(Host, service, []);

        Assert.Equal(["10.96.0.10", "10.0.0.0/24", "2001:db8::/32"], kept!.Addresses);
        Assert.Equal(["addresses[2]", "addresses[4]"], dropped.Select(d => d.Field));
    }

    [Fact]
    public void Check_NoValidPortLeft_KeepsTheServiceWithNoPorts()
    {
        var (kept, endpoints, dropped) = RegistryObjectFilter.Check(Host, Service(ServiceResolution.Static, Port(0, "http")), [Endpoint("10.1.0.1", ("http", 8080))]);

        Assert.NotNull(kept);
        Assert.Empty(kept.Ports);
        Assert.Single(endpoints);
        Assert.Single(dropped);
    }

    [Fact]
    public void Check_NothingWrong_ReturnsWhatItWasGiven()
    {
        var service = Service();
        IReadOnlyList<MeshEndpoint> endpoints = [Endpoint("10.1.0.1", ("http", 8080))];

        var (keptService, keptEndpoints, dropped) = RegistryObjectFilter.Check(Host, service, endpoints);

        Assert.Same(service, keptService);
        Assert.Same(endpoints, keptEndpoints);
        Assert.Empty(dropped);
    }

    [Fact]
    public void Apply_SameBadObjectRelisted_LoggedOnceWithItsFieldsAndCountedOnce()
    {
        for (var relist = 0; relist < 3; relist++)
        {
            _filter.Relisted([(Host, Service(), [])]);
            _filter.Apply(Host, Service(), [Endpoint("10.1.0.1"), Endpoint("999.1.1.1")]);
        }

        var warning = Assert.Single(Warnings());
        Assert.Equal("Kubernetes/c1", warning.Fields["Shard"]);
        Assert.Equal(Host, warning.Fields["Host"]);
        Assert.Equal("endpoints[999.1.1.1].address", warning.Fields["Field"]);
        Assert.Equal("999.1.1.1", warning.Fields["Value"]);
        Assert.Equal(1, _filter.Dropped);
    }

    [Fact]
    public void Apply_BadObjectFixed_CountReturnsToZero()
    {
        _filter.Apply(Host, Service(ServiceResolution.Static, Port(0, "zero"), Port(80, "http")), [Endpoint("not-an-ip")]);
        Assert.Equal(2, _filter.Dropped);

        _filter.Apply(Host, Service(), [Endpoint("10.1.0.1")]);

        Assert.Equal(0, _filter.Dropped);
    }

    [Fact]
    public void Apply_BadObjectComesBack_LoggedAgainOnlyAfterTheInterval()
    {
        _filter.Apply(Host, Service(), [Endpoint("not-an-ip")]);
        _filter.Apply(Host, Service(), []);
        _filter.Apply(Host, Service(), [Endpoint("not-an-ip")]);
        Assert.Single(Warnings());

        _time.Advance(_filter.LogInterval);
        _filter.Apply(Host, Service(), []);
        _filter.Apply(Host, Service(), [Endpoint("not-an-ip")]);

        Assert.Equal(2, Warnings().Count);
    }

    [Fact]
    public void Apply_Withdrawn_ForgetsTheHostsDrops()
    {
        _filter.Apply(Host, Service(), [Endpoint("not-an-ip")]);

        _filter.Apply(Host, null, []);

        Assert.Equal(0, _filter.Dropped);
    }

    [Fact]
    public void Relisted_HostNotListed_ForgetsItsDrops()
    {
        _filter.Apply(Host, Service(), [Endpoint("not-an-ip")]);
        _filter.Apply("other.example.com", null, [Endpoint("not-an-ip")]);

        _filter.Relisted([(Host, Service(), [])]);

        Assert.Equal(1, _filter.Dropped);
    }
}
