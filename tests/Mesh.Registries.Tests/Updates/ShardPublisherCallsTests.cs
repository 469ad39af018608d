using Mesh.Api.Model;
using Mesh.Registries.Updates;

namespace Mesh.Registries.Tests.Updates;

/// <summary>One call to the updater (so one grain call) per host change, whatever changed.</summary>
public sealed class ShardPublisherCallsTests
{
    private const string Host = "ratings.example.com";
    private readonly CountingUpdater _updater = new();
    private readonly ShardPublisher _publisher;

    public ShardPublisherCallsTests() => _publisher = new ShardPublisher(new ShardKey("Kubernetes", "c1"), _updater);

    private static MeshEndpoint Endpoint(string address) =>
        new(address, new Dictionary<string, uint>(), new Dictionary<string, string>(), null, 0, EndpointHealth.Healthy, null, null);

    private static MeshService Service(uint port = 80) =>
        new(Host, "demo", [new ServicePort(port, "HTTP", "http", null)], new Dictionary<string, string>(), ServiceLocation.MeshInternal, ServiceResolution.Static, []);

    [Fact]
    public async Task PublishAsync_NewHost_OneCallWithServiceAndEndpoints()
    {
        await _publisher.PublishAsync(Host, Service(), [Endpoint("10.1.0.1")]);

        Assert.Equal(["host"], _updater.Calls);
    }

    [Fact]
    public async Task PublishAsync_EachKindOfChange_OneCallEach()
    {
        await _publisher.PublishAsync(Host, Service(), [Endpoint("10.1.0.1")]);
        await _publisher.PublishAsync(Host, Service(), [Endpoint("10.1.0.2")]);
        await _publisher.PublishAsync(Host, Service(8080), [Endpoint("10.1.0.2")]);
        await _publisher.PublishAsync(Host, Service(9090), [Endpoint("10.1.0.3")]);
        await _publisher.WithdrawAsync(Host);

        Assert.Equal(["host", "endpoints", "service", "host", "host"], _updater.Calls);
    }

    private sealed class CountingUpdater : IMeshUpdater
    {
        public List<string> Calls { get; } = [];

        public Task ServiceChangedAsync(ShardKey shard, string host, MeshService? service)
        {
            Calls.Add("service");
            return Task.CompletedTask;
        }

        public Task EndpointsChangedAsync(ShardKey shard, string host, IReadOnlyList<MeshEndpoint> endpoints)
        {
            Calls.Add("endpoints");
            return Task.CompletedTask;
        }

        public Task HostChangedAsync(ShardKey shard, string host, MeshService? service, IReadOnlyList<MeshEndpoint> endpoints)
        {
            Calls.Add("host");
            return Task.CompletedTask;
        }

        public Task ConfigChangedAsync(MeshConfig config) => Task.CompletedTask;
    }
}
