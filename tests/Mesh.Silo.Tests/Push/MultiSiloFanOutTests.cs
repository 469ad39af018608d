using Orleans.Serialization;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Api.Xds;
using Mesh.Silo.Push;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;

namespace Mesh.Silo.Tests.Push;

/// <summary>
/// Two silos in one process, each with its own hub and a "proxy" registered on it: a change made
/// through a client must reach both hubs, whichever silo holds the ServiceGrain.
/// </summary>
public sealed class MultiSiloFanOutTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSerializer(s => s.AddMeshModel());
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddSingleton(new DebounceOptions(TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(1)));
            silo.Services.AddSingleton(sp => new PushHub(
                sp.GetRequiredService<IGrainFactory>(), TimeProvider.System, sp.GetRequiredService<DebounceOptions>(), NullLogger<PushHub>.Instance));
        });
        builder.ConfigureClient(client => client.Services.AddSerializer(s => s.AddMeshModel()));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static MeshService Service(string host, uint port) =>
        new(host, "default", [new ServicePort(port, "GRPC", "grpc", null)], new Dictionary<string, string>(),
            ServiceLocation.MeshInternal, ServiceResolution.Static, []);

    private static MeshEndpoint Endpoint(string address, uint port) =>
        new(address, new Dictionary<string, uint> { ["grpc"] = port }, new Dictionary<string, string>(), null, 1, EndpointHealth.Healthy, null, null);

    [Fact]
    public async Task UpdateEndpoints_ThroughClient_ReachesProxiesOnEverySilo()
    {
        var silos = _cluster.Silos.ToList();
        Assert.Equal(2, silos.Count);
        var seen = new List<TaskCompletionSource<XdsResource>>();
        foreach (var silo in silos)
        {
            var hub = _cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<PushHub>();
            var arrived = new TaskCompletionSource<XdsResource>(TaskCreationOptions.RunContinuationsAsynchronously);
            await hub.RegisterAsync(push =>
            {
                if (push.Snapshot.OfType(ResourceTypes.ClusterLoadAssignment).TryGetValue("outbound|9000||fanout.mesh.local", out var cla)
                    && Envoy.Config.Endpoint.V3.ClusterLoadAssignment.Parser.ParseFrom(cla.Body).Endpoints.Count > 0)
                    arrived.TrySetResult(cla);
            });
            seen.Add(arrived);
        }

        var shard = new ShardKey("test", "c1");
        var grain = _cluster.Client.GetGrain<IServiceGrain>("fanout.mesh.local");
        await grain.UpdateServiceAsync(shard, Service("fanout.mesh.local", 9000));
        await grain.UpdateEndpointsAsync(shard, [Endpoint("10.0.0.1", 9001)]);

        var all = Task.WhenAll(seen.Select(s => s.Task));
        var finished = await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.True(finished == all, "both silos' hubs should receive the endpoint change within 20 s");
        foreach (var cla in await all)
        {
            var parsed = Envoy.Config.Endpoint.V3.ClusterLoadAssignment.Parser.ParseFrom(cla.Body);
            Assert.Equal("10.0.0.1", parsed.Endpoints.Single().LbEndpoints.Single().Endpoint.Address.SocketAddress.Address);
        }
    }
}
