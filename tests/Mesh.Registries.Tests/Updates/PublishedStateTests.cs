using Mesh.Api.Model;
using Mesh.Registries.Updates;

namespace Mesh.Registries.Tests.Updates;

public sealed class PublishedStateTests
{
    private static readonly ShardKey K8s = new("Kubernetes", "c1");
    private static readonly ShardKey Consul = new("Consul", "dc1");

    private static MeshService Service(string host) =>
        new(host, "default", [new ServicePort(80, "HTTP", "http", null)], new Dictionary<string, string>(),
            ServiceLocation.MeshInternal, ServiceResolution.Static, []);

    private static MeshEndpoint Endpoint(string address) =>
        new(address, new Dictionary<string, uint> { ["http"] = 80 }, new Dictionary<string, string>(), null, 1, EndpointHealth.Healthy, null, null);

    [Fact]
    public void StateOf_TwoShards_HoldsEachShardsServiceAndEndpoints()
    {
        var state = new PublishedState();
        state.SetService(K8s, "a", Service("a"));
        state.SetEndpoints(K8s, "a", [Endpoint("10.0.0.1")]);
        state.SetEndpoints(Consul, "a", [Endpoint("10.0.0.2")]);

        var a = state.StateOf("a");

        Assert.Equal(K8s, Assert.Single(a.Services).Shard);
        Assert.Equal(["10.0.0.1", "10.0.0.2"], a.Endpoints.SelectMany(e => e.Endpoints).Select(e => e.Address).Order());
        Assert.Equal(["a"], state.PresentHosts());
    }

    [Fact]
    public void PresentHosts_EndpointOnlyHost_IsNotListed()
    {
        var state = new PublishedState();
        state.SetEndpoints(K8s, "b", [Endpoint("10.0.0.1")]);

        Assert.Empty(state.PresentHosts());
        Assert.True(state.Knows("b"));
    }

    [Fact]
    public void Knows_EverythingWithdrawn_ForgetsTheHost()
    {
        var state = new PublishedState();
        state.SetService(K8s, "a", Service("a"));
        state.SetEndpoints(K8s, "a", [Endpoint("10.0.0.1")]);
        state.SetConfig("a", new HostConfig(null, []));

        state.SetService(K8s, "a", null);
        state.SetEndpoints(K8s, "a", []);
        Assert.True(state.Knows("a"));
        state.SetConfig("a", null);

        Assert.False(state.Knows("a"));
        Assert.Empty(state.StateOf("a").Services);
    }
}
