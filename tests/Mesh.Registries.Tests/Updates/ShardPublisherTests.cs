using Mesh.Api.Model;
using Mesh.Registries.Tests.Kubernetes;
using Mesh.Registries.Updates;

namespace Mesh.Registries.Tests.Updates;

public sealed class ShardPublisherTests
{
    private const string Host = "ratings.example.com";
    private readonly RecordingUpdater _updater = new();
    private readonly ShardPublisher _publisher;

    public ShardPublisherTests() => _publisher = new ShardPublisher(new ShardKey("Kubernetes", "c1"), _updater);

    private static MeshEndpoint Endpoint(string address, EndpointHealth health = EndpointHealth.Healthy) =>
        new(address, new Dictionary<string, uint>(), new Dictionary<string, string>(), null, 0, health, null, null);

    private static MeshService Service() =>
        new(Host, "demo", [new ServicePort(80, "HTTP", "http", null)], new Dictionary<string, string>(), ServiceLocation.MeshInternal, ServiceResolution.Static, []);

    [Fact]
    public async Task PublishAsync_EndpointsOnly_SendsEndpointsAndNoService()
    {
        Assert.True(await _publisher.PublishAsync(Host, null, [Endpoint("10.1.0.1")]));

        Assert.Equal([("endpoints", Host)], _updater.Calls);
        Assert.Equal(0, _publisher.Hosts);
        Assert.Equal(1, _publisher.Endpoints);
    }

    [Fact]
    public async Task PublishAsync_EndpointsOnlyUnchanged_SendsNothing()
    {
        await _publisher.PublishAsync(Host, null, [Endpoint("10.1.0.1")]);

        Assert.False(await _publisher.PublishAsync(Host, null, [Endpoint("10.1.0.1")]));
        Assert.Single(_updater.Calls);
    }

    [Fact]
    public async Task PublishAsync_EndpointsOnlyEmptied_WithdrawsEndpointsWithoutTouchingTheService()
    {
        await _publisher.PublishAsync(Host, null, [Endpoint("10.1.0.1")]);

        Assert.True(await _publisher.PublishAsync(Host, null, []));

        Assert.Equal([("endpoints", Host), ("endpoints", Host)], _updater.Calls);
        Assert.Empty(_updater.Endpoints(Host));
        Assert.False(_publisher.Published.ContainsKey(Host));
        Assert.False(await _publisher.PublishAsync(Host, null, []));
    }

    [Fact]
    public async Task PublishAsync_ServiceDropped_EndpointsFirstThenService()
    {
        await _publisher.PublishAsync(Host, Service(), [Endpoint("10.1.0.1")]);

        await _publisher.PublishAsync(Host, null, [Endpoint("10.1.0.2")]);

        Assert.Equal([("service", Host), ("endpoints", Host), ("endpoints", Host), ("service", Host)], _updater.Calls);
        Assert.Null(_updater.Service(Host));
        Assert.Equal("10.1.0.2", Assert.Single(_updater.Endpoints(Host)).Address);
    }

    [Fact]
    public async Task PublishAllAsync_EndpointOnlyHostMissing_IsWithdrawn()
    {
        await _publisher.PublishAllAsync([(Host, null, [Endpoint("10.1.0.1")])]);

        Assert.Equal(1, await _publisher.PublishAllAsync([]));

        Assert.Equal([("endpoints", Host), ("endpoints", Host)], _updater.Calls);
        Assert.Empty(_updater.Endpoints(Host));
    }

    [Fact]
    public async Task PublishEndpointsAsync_EndpointOnlyHost_UpdatesIt()
    {
        await _publisher.PublishAsync(Host, null, [Endpoint("10.1.0.1")]);

        Assert.True(await _publisher.PublishEndpointsAsync(Host, [Endpoint("10.1.0.1", EndpointHealth.Unhealthy)]));

        Assert.Equal(EndpointHealth.Unhealthy, Assert.Single(_updater.Endpoints(Host)).Health);
    }

    [Fact]
    public async Task PublishAsync_WorkloadNameChanged_IsAChange()
    {
        await _publisher.PublishAsync(Host, null, [Endpoint("10.1.0.1") with { WorkloadName = "a" }]);

        Assert.True(await _publisher.PublishAsync(Host, null, [Endpoint("10.1.0.1") with { WorkloadName = "b" }]));
    }
}
