using Mesh.Api.Model;
using Mesh.Registries.Tests.Kubernetes;
using Mesh.Registries.Updates;

namespace Mesh.Registries.Tests.Updates;

/// <summary>The publisher with its <see cref="RegistryObjectFilter"/>: what a proxy would reject never reaches the updater.</summary>
public sealed class ShardPublisherFilteringTests
{
    private const string Host = "web.demo.svc.cluster.local";
    private readonly RecordingUpdater _updater = new();
    private readonly ShardPublisher _publisher;

    public ShardPublisherFilteringTests() => _publisher = new ShardPublisher(new ShardKey("Kubernetes", "c1"), _updater);

    private static MeshService Service(params uint[] ports) =>
        new(Host, "demo", [.. ports.Select(p => new ServicePort(p, "HTTP", $"p{p}", null))], new Dictionary<string, string>(),
            ServiceLocation.MeshInternal, ServiceResolution.Static, []);

    private static MeshEndpoint Endpoint(string address) =>
        new(address, new Dictionary<string, uint>(), new Dictionary<string, string>(), null, 0, EndpointHealth.Healthy, null, null);

    [Fact]
    public async Task PublishAsync_BadPortAndEndpoint_OnlyTheValidPartsReachTheUpdater()
    {
        await _publisher.PublishAsync(Host, Service(0, 80), [Endpoint("10.1.0.1"), Endpoint("999.1.1.1")]);

        Assert.Equal([80u], _updater.Service(Host)!.Ports.Select(p => p.Number));
        Assert.Equal(["10.1.0.1"], _updater.Endpoints(Host).Select(e => e.Address));
        Assert.Equal(2, _publisher.Filter.Dropped);
        Assert.Equal(1, _publisher.Endpoints);
    }

    [Fact]
    public async Task PublishAsync_OnlyTheDroppedPartChanged_SendsNothing()
    {
        await _publisher.PublishAsync(Host, Service(80), [Endpoint("10.1.0.1")]);

        Assert.False(await _publisher.PublishAsync(Host, Service(80, 0), [Endpoint("10.1.0.1"), Endpoint("not-an-ip")]));

        Assert.Equal(2, _updater.Calls.Count);
        Assert.Equal(2, _publisher.Filter.Dropped);
    }

    [Fact]
    public async Task PublishEndpointsAsync_ServiceHadADroppedPort_StillCountsIt()
    {
        await _publisher.PublishAsync(Host, Service(0, 80), [Endpoint("10.1.0.1")]);

        Assert.True(await _publisher.PublishEndpointsAsync(Host, [Endpoint("10.1.0.2")]));

        Assert.Equal(1, _publisher.Filter.Dropped);
        Assert.Equal([80u], _updater.Service(Host)!.Ports.Select(p => p.Number));
    }

    [Fact]
    public async Task PublishAllAsync_HostGone_ItsDropsAreForgotten()
    {
        await _publisher.PublishAllAsync([(Host, Service(0, 80), [Endpoint("10.1.0.1")])]);
        Assert.Equal(1, _publisher.Filter.Dropped);

        await _publisher.PublishAllAsync([]);

        Assert.Equal(0, _publisher.Filter.Dropped);
        Assert.Null(_updater.Service(Host));
    }

    [Fact]
    public async Task PublishAsync_EndpointsOnlyAllBad_PublishesNothing()
    {
        Assert.False(await _publisher.PublishAsync(Host, null, [Endpoint("not-an-ip")]));

        Assert.Empty(_updater.Calls);
        Assert.Equal(1, _publisher.Filter.Dropped);
    }
}
