using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Api.Xds;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using Orleans.TestingHost;

namespace Mesh.Silo.Tests.Ownership;

/// <summary>
/// Grains that hold registry-derived state, activated anew (as after their silo died), with a
/// registry owner that answers late or not at all: they must say nothing until they have the
/// owner's word, then serve exactly it.
/// </summary>
public sealed class GrainRecoveryTests : IAsyncLifetime
{
    private static readonly ShardKey Shard = new("ServiceEntry", "config");
    private InProcessTestCluster _cluster = null!;
    private readonly FakeOwner _owner = new();
    private IRegistryOwner _ownerRef = null!;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T00:00:00Z"));

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSerializer(s => s.AddMeshModel());
            silo.Services.AddSingleton<TimeProvider>(_time);
            silo.Services.AddSingleton(new OwnerRecovery { AskTimeout = TimeSpan.FromSeconds(2), RetryEvery = TimeSpan.FromMilliseconds(100) });
        });
        builder.ConfigureClient(client => client.Services.AddSerializer(s => s.AddMeshModel()));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        _ownerRef = _cluster.Client.CreateObjectReference<IRegistryOwner>(_owner);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IGrainFactory Grains => _cluster.Client;

    private static MeshService Service(string host) =>
        new(host, "default", [new ServicePort(8080, "HTTP", "http", null)], new Dictionary<string, string>(),
            ServiceLocation.MeshInternal, ServiceResolution.Static, []);

    private static MeshEndpoint Endpoint(string address) =>
        new(address, new Dictionary<string, uint> { ["http"] = 9000 }, new Dictionary<string, string>(), null, 1, EndpointHealth.Healthy, null, null);

    private Task HoldLeaseAsync() => Grains.GetGrain<IRegistryLeaseGrain>(IRegistryLeaseGrain.Key).AcquireAsync("owner-silo", _ownerRef, TimeSpan.FromMinutes(5), holding: false, alone: true);

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> read, string what) where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (await read() is { } value) return value;
            await Task.Delay(20);
        }
        throw new TimeoutException(what);
    }

    [Fact]
    public async Task ServiceGrain_NewActivationWithOwner_ServesTheOwnersState()
    {
        const string host = "a.mesh.local";
        _owner.States[host] = new HostState(host, [new ShardService(Shard, Service(host))], [new ShardEndpoints(Shard, [Endpoint("10.0.0.1")])], null, []);
        await HoldLeaseAsync();

        var fragments = await Grains.GetGrain<IServiceGrain>(host).GetFragmentsAsync();

        Assert.NotNull(fragments);
        Assert.False(fragments.Removed);
        Assert.Contains(fragments.Resources, r => r.TypeUrl == ResourceTypes.Cluster && r.Name == "outbound|8080||a.mesh.local");
        Assert.Contains(host, await Grains.GetGrain<IServiceIndexGrain>(IServiceIndexGrain.Key).GetHostsAsync() ?? []);
    }

    [Fact]
    public async Task ServiceGrain_OwnerNotSyncedYet_StaysUnknownThenServesTheOwnersWord()
    {
        const string host = "b.mesh.local";
        await HoldLeaseAsync();
        var hub = new RecordingHub();
        var hubRef = Grains.CreateObjectReference<IPushHubObserver>(hub);
        var grain = Grains.GetGrain<IServiceGrain>(host);

        await grain.SubscribeAsync(hubRef);
        // An update that reached the new activation while the owner had no answer does not make it speak.
        await grain.UpdateEndpointsAsync(Shard, [Endpoint("10.0.0.9")]);
        Assert.Null(await grain.GetFragmentsAsync());
        Assert.Empty(hub.Changes);

        _owner.States[host] = new HostState(host, [new ShardService(Shard, Service(host))], [new ShardEndpoints(Shard, [Endpoint("10.0.0.2")])], null, []);
        _time.Advance(TimeSpan.FromMilliseconds(150));
        var recovered = await EventuallyAsync(() => grain.GetFragmentsAsync(), "the grain recovered from the owner");

        Assert.False(recovered.Removed);
        var told = await EventuallyAsync(() => Task.FromResult(hub.Changes.LastOrDefault()), "the hub was told");
        Assert.Equal(recovered.Version, told.Version);
        Assert.All(hub.Changes, c => Assert.False(c.Removed));
    }

    [Fact]
    public async Task ServiceGrain_OwnerHasNothingForTheHost_IsRemoved()
    {
        const string host = "gone.mesh.local";
        _owner.Synced = true;
        await HoldLeaseAsync();

        var fragments = await Grains.GetGrain<IServiceGrain>(host).GetFragmentsAsync();

        Assert.NotNull(fragments);
        Assert.True(fragments.Removed);
    }

    [Fact]
    public async Task ServiceGrain_NoOwnerAtAll_SaysNothing()
    {
        // No silo holds the lease: the grain may not guess that the host is gone.
        Assert.Null(await Grains.GetGrain<IServiceGrain>("c.mesh.local").GetFragmentsAsync());
    }

    [Fact]
    public async Task ServiceIndexGrain_NewActivation_TakesTheOwnersHostsBeforeTellingHubs()
    {
        _owner.Hosts = null;
        await HoldLeaseAsync();
        var hub = new RecordingHub();
        var index = Grains.GetGrain<IServiceIndexGrain>(IServiceIndexGrain.Key);

        await index.SubscribeAsync(Grains.CreateObjectReference<IPushHubObserver>(hub));
        Assert.Null(await index.GetHostsAsync());

        _owner.Hosts = ["x.mesh.local", "y.mesh.local"];
        _time.Advance(TimeSpan.FromMilliseconds(150));
        var hosts = await EventuallyAsync(() => index.GetHostsAsync(), "the index recovered");

        Assert.Equal(["x.mesh.local", "y.mesh.local"], hosts);
        var told = await EventuallyAsync(() => Task.FromResult(hub.HostLists.LastOrDefault()), "the hub was told");
        Assert.Equal(hosts, told);
        Assert.DoesNotContain(hub.HostLists, l => l.Count == 0);
    }

    [Fact]
    public async Task MeshScopeGrain_NewActivation_TakesTheOwnersSidecars()
    {
        _owner.Sidecars = [new Sidecar(new ConfigMeta("Sidecar", "networking.istio.io/v1", "default", "default", new Dictionary<string, string>()), new SidecarSpec(null, [], null))];
        await HoldLeaseAsync();

        var sidecars = await Grains.GetGrain<IMeshScopeGrain>(IMeshScopeGrain.Key).GetSidecarsAsync();

        Assert.NotNull(sidecars);
        Assert.Single(sidecars);
    }

    private sealed class FakeOwner : IRegistryOwner
    {
        public Dictionary<string, HostState> States { get; } = new(StringComparer.Ordinal);
        public bool Synced { get; set; }
        public IReadOnlyList<string>? Hosts { get; set; } = [];
        public IReadOnlyList<Sidecar>? Sidecars { get; set; } = [];

        public Task<HostState?> GetHostStateAsync(string host) =>
            Task.FromResult(States.TryGetValue(host, out var s) ? s : Synced ? HostState.Empty(host) : null);

        public Task<IReadOnlyList<string>?> GetHostsAsync() => Task.FromResult(Hosts);

        public Task<IReadOnlyList<Sidecar>?> GetSidecarsAsync() => Task.FromResult(Sidecars);

        public Task<bool> IsReadyAsync() => Task.FromResult(true);

        public Task<string> GetDebugAsync(string page) => Task.FromResult("{}");
    }

    private sealed class RecordingHub : IPushHubObserver
    {
        private readonly List<ServiceFragments> _changes = [];
        private readonly List<IReadOnlyList<string>> _hosts = [];

        public IReadOnlyList<ServiceFragments> Changes { get { lock (_changes) return [.. _changes]; } }
        public IReadOnlyList<IReadOnlyList<string>> HostLists { get { lock (_hosts) return [.. _hosts]; } }

        public Task OnServiceChanged(ServiceFragments fragments)
        {
            lock (_changes) _changes.Add(fragments);
            return Task.CompletedTask;
        }

        public Task OnHostsChanged(IReadOnlyList<string> hosts)
        {
            lock (_hosts) _hosts.Add(hosts);
            return Task.CompletedTask;
        }

        public Task OnSidecarsChanged(IReadOnlyList<Sidecar> sidecars) => Task.CompletedTask;
    }
}
