using Mesh.Grains.Abstractions;
using Mesh.Grains.Proxies;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Grains.Tests.Proxies;

/// <summary>The directory's bookkeeping, called directly (it touches no runtime service).</summary>
public sealed class ProxyDirectoryGrainTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private ProxyConnection C(string proxy, int n) => new($"{proxy}-silo-1-{n}", proxy, "silo-1", _time.GetUtcNow());

    [Fact]
    public async Task FindAsync_SharedProxyId_EveryConnectionElseTheExactOne()
    {
        var directory = new ProxyDirectoryGrain(_time);
        var (a, b, other) = (C("p", 1), C("p", 2), C("q", 3));
        foreach (var c in new[] { a, b, other }) await directory.SetConnectedAsync(c, true);

        Assert.Equal([a, b], await directory.FindAsync("p"));
        Assert.Equal([b], await directory.FindAsync(b.ConnectionId));
        Assert.Empty(await directory.FindAsync("nobody"));
    }

    [Fact]
    public async Task SetConnectedAsync_OneOfTwoDisconnects_TheOtherStays()
    {
        var directory = new ProxyDirectoryGrain(_time);
        var (a, b) = (C("p", 1), C("p", 2));
        await directory.SetConnectedAsync(a, true);
        await directory.SetConnectedAsync(b, true);

        await directory.SetConnectedAsync(a, false);

        Assert.Equal([b], await directory.GetConnectionsAsync());
    }

    [Fact]
    public async Task GetConnectionsAsync_NotRenewedPastExpiry_Dropped()
    {
        var directory = new ProxyDirectoryGrain(_time);
        var (renewed, silent) = (C("p", 1), C("p", 2));
        await directory.SetConnectedAsync(renewed, true);
        await directory.SetConnectedAsync(silent, true);

        _time.Advance(ProxyDirectoryGrain.RenewEvery);
        await directory.SetConnectedAsync(renewed, true);
        _time.Advance(ProxyDirectoryGrain.Expiry - ProxyDirectoryGrain.RenewEvery + TimeSpan.FromSeconds(1));

        Assert.Equal([renewed], await directory.GetConnectionsAsync());
    }

    [Fact]
    public async Task RenewAsync_BatchOfLiveConnections_KeptPastExpiry()
    {
        var directory = new ProxyDirectoryGrain(_time);
        var (a, b) = (C("p", 1), C("q", 2));
        await directory.SetConnectedAsync(a, true);
        await directory.SetConnectedAsync(b, true);

        for (var elapsed = TimeSpan.Zero; elapsed <= ProxyDirectoryGrain.Expiry; elapsed += ProxyDirectoryGrain.RenewEvery)
        {
            _time.Advance(ProxyDirectoryGrain.RenewEvery);
            await directory.RenewAsync([a, b]);
        }

        Assert.Equal([a, b], await directory.GetConnectionsAsync());
    }

    [Fact]
    public async Task RenewAsync_DirectoryWithoutThem_LearnsThemBack()
    {
        // An activation re-created after its silo died knows nothing until the silos renew.
        var directory = new ProxyDirectoryGrain(_time);
        var (a, b) = (C("p", 1), C("q", 2));

        await directory.RenewAsync([a, b]);

        Assert.Equal([a, b], await directory.GetConnectionsAsync());
    }

    [Fact]
    public async Task RenewAsync_ArrivesAfterDisconnect_ConnectionStaysRemoved()
    {
        var directory = new ProxyDirectoryGrain(_time);
        var (gone, live) = (C("p", 1), C("p", 2));
        await directory.SetConnectedAsync(gone, true);
        await directory.SetConnectedAsync(live, true);

        await directory.SetConnectedAsync(gone, false);
        await directory.RenewAsync([gone, live]);

        Assert.Equal([live], await directory.GetConnectionsAsync());
    }

    [Fact]
    public async Task RenewAsync_RemovedLongerThanExpiry_RemovalForgotten()
    {
        // Removals are remembered for the expiry only, so they cannot pile up; a connection id is
        // never renewed that long after its stream ended, since its silo stops naming it at once.
        var directory = new ProxyDirectoryGrain(_time);
        var gone = C("p", 1);
        await directory.SetConnectedAsync(gone, true);
        await directory.SetConnectedAsync(gone, false);

        _time.Advance(ProxyDirectoryGrain.Expiry + TimeSpan.FromSeconds(1));
        Assert.Empty(await directory.GetConnectionsAsync());
        await directory.RenewAsync([gone]);

        Assert.Equal([gone], await directory.GetConnectionsAsync());
    }

    [Fact]
    public async Task RenewAsync_NobodyLists_OldRemovalsForgottenAnyway()
    {
        var directory = new ProxyDirectoryGrain(_time);
        for (var n = 0; n < 50; n++)
        {
            var c = C("p", n);
            await directory.SetConnectedAsync(c, true);
            await directory.SetConnectedAsync(c, false);
        }
        Assert.Equal(50, directory.RemovalsRemembered);

        _time.Advance(ProxyDirectoryGrain.Expiry + TimeSpan.FromSeconds(1));
        await directory.RenewAsync([C("q", 99)]);

        Assert.Equal(0, directory.RemovalsRemembered);
    }
}
