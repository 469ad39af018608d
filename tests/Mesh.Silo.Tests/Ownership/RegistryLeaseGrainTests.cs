using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using Orleans.TestingHost;

namespace Mesh.Silo.Tests.Ownership;

/// <summary>The registry lease: one holder at a time, taken over only once the holder stopped renewing.</summary>
public sealed class RegistryLeaseGrainTests : IAsyncLifetime
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T00:00:00Z"));
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSerializer(s => s.AddMeshModel());
            silo.Services.AddSingleton<TimeProvider>(_time);
        });
        builder.ConfigureClient(client => client.Services.AddSerializer(s => s.AddMeshModel()));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IRegistryLeaseGrain Lease => _cluster.Client.GetGrain<IRegistryLeaseGrain>(IRegistryLeaseGrain.Key);

    private IRegistryOwner Owner() => _cluster.Client.CreateObjectReference<IRegistryOwner>(new NoOwner());

    [Fact]
    public async Task Acquire_HeldAndRenewed_OthersRefused()
    {
        var a = await Lease.AcquireAsync("a", Owner(), Ttl, holding: false, alone: true);
        _time.Advance(Ttl / 2);
        var b = await Lease.AcquireAsync("b", Owner(), Ttl, holding: false, alone: false);
        _time.Advance(Ttl / 2);
        var renewed = await Lease.AcquireAsync("a", Owner(), Ttl, holding: true, alone: false);
        _time.Advance(Ttl / 2);
        var bAgain = await Lease.AcquireAsync("b", Owner(), Ttl, holding: false, alone: false);

        Assert.True(a.Held);
        Assert.False(b.Held);
        Assert.Equal("a", b.Holder);
        Assert.True(renewed.Held);
        Assert.Equal(a.Generation, renewed.Generation);
        Assert.False(bAgain.Held);
    }

    [Fact]
    public async Task Acquire_HolderStoppedRenewing_NextAskerTakesItWithANewGeneration()
    {
        var a = await Lease.AcquireAsync("a", Owner(), Ttl, holding: false, alone: true);
        _time.Advance(Ttl);
        var b = await Lease.AcquireAsync("b", Owner(), Ttl, holding: false, alone: false);
        var aLate = await Lease.AcquireAsync("a", Owner(), Ttl, holding: true, alone: false);

        Assert.True(b.Held);
        Assert.True(b.Generation > a.Generation);
        Assert.False(aLate.Held);
        Assert.Equal("b", (await Lease.GetAsync()).Holder);
    }

    [Fact]
    public async Task Release_ByHolder_FreesAtOnce()
    {
        await Lease.AcquireAsync("a", Owner(), Ttl, holding: false, alone: true);
        await Lease.ReleaseAsync("b");
        Assert.Equal("a", (await Lease.GetAsync()).Holder);

        await Lease.ReleaseAsync("a");

        Assert.Null((await Lease.GetAsync()).Holder);
        Assert.True((await Lease.AcquireAsync("b", Owner(), Ttl, holding: false, alone: false)).Held);
    }

    [Fact]
    public async Task Get_Expired_SaysNobodyHoldsIt()
    {
        await Lease.AcquireAsync("a", Owner(), Ttl, holding: false, alone: true);
        _time.Advance(Ttl + TimeSpan.FromMilliseconds(1));

        var lease = await Lease.GetAsync();

        Assert.Null(lease.Holder);
        Assert.Null(lease.Owner);
    }

    [Fact]
    public async Task Acquire_NewActivationStandbyWithinOneTtl_RefusedSoTheLiveHolderGetsItBack()
    {
        // The grain's silo died; its new activation does not know that "a" holds the lease.
        var standby = await Lease.AcquireAsync("b", Owner(), Ttl, holding: false, alone: false);
        var holder = await Lease.AcquireAsync("a", Owner(), Ttl, holding: true, alone: false);
        var standbyAgain = await Lease.AcquireAsync("b", Owner(), Ttl, holding: false, alone: false);

        Assert.False(standby.Held);
        Assert.Null(standby.Holder);
        Assert.True(holder.Held);
        Assert.False(standbyAgain.Held);
        Assert.Equal("a", standbyAgain.Holder);
    }

    [Fact]
    public async Task Acquire_NewActivationNobodyRenewsForOneTtl_StandbyTakesIt()
    {
        // The holder died together with the lease grain's silo.
        Assert.False((await Lease.AcquireAsync("b", Owner(), Ttl, holding: false, alone: false)).Held);
        _time.Advance(Ttl);

        Assert.True((await Lease.AcquireAsync("b", Owner(), Ttl, holding: false, alone: false)).Held);
    }

    [Fact]
    public async Task Acquire_NewActivationCallerAlone_GrantedAtOnce()
    {
        Assert.True((await Lease.AcquireAsync("first", Owner(), Ttl, holding: false, alone: true)).Held);
    }

    private sealed class NoOwner : IRegistryOwner
    {
        public Task<HostState?> GetHostStateAsync(string host) => Task.FromResult<HostState?>(null);
        public Task<IReadOnlyList<string>?> GetHostsAsync() => Task.FromResult<IReadOnlyList<string>?>(null);
        public Task<IReadOnlyList<Sidecar>?> GetSidecarsAsync() => Task.FromResult<IReadOnlyList<Sidecar>?>(null);
        public Task<bool> IsReadyAsync() => Task.FromResult(false);
        public Task<string> GetDebugAsync(string page) => Task.FromResult("{}");
    }
}
