using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Grains.Abstractions;
using Mesh.Silo.Push;
using Mesh.Silo.Xds;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;

namespace Mesh.Silo.Tests.Xds;

/// <summary>
/// The silo renews its streams' directory entries in batches: a stream's connection is named while
/// it runs and not after, and a directory activation that lost its state (its silo died) learns
/// the live connections back from one renewal round. A real silo in process; the directory is
/// deactivated to lose its state.
/// </summary>
public sealed class ConnectionRenewalsTests : IAsyncLifetime
{
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-renewals-").FullName;
        File.WriteAllText(Path.Combine(dir, "ren.yaml"), SampleConfig.ServiceEntry("ren.mesh.local", 9710, ("127.0.0.1", 9711, "v1")));
        _silo = await SiloFixture.StartAsync(dir);
        await _silo.Services.GetRequiredService<PushHub>().CurrentAsync();
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private IProxyDirectoryGrain ProxyDirectory => _silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IProxyDirectoryGrain>(IProxyDirectoryGrain.Key);

    [Fact]
    public async Task RenewAsync_DirectoryLostItsState_LiveStreamListedAgainEndedOneNot()
    {
        var renewals = _silo.Services.GetRequiredService<ConnectionRenewals>();
        var context = _silo.Services.GetRequiredService<XdsStreamContext>();
        var call = new InMemoryCall<DiscoveryRequest, DiscoveryResponse>();
        var run = new SotwStream(context, fixedType: null).RunAsync(call.Reader, call.Writer, CancellationToken.None);
        await call.Requests.WriteAsync(new DiscoveryRequest { Node = new Node { Id = "renewed-proxy" }, TypeUrl = ResourceTypes.Cluster });
        await call.NextAsync(TimeSpan.FromSeconds(20));
        await UntilAsync(async () => (await ProxyDirectory.FindAsync("renewed-proxy")).Count == 1, "the stream's connect recorded in the directory");
        Assert.Equal(1, renewals.Count);

        await LoseDirectoryStateAsync();
        await renewals.RenewAsync();

        var listed = Assert.Single(await ProxyDirectory.FindAsync("renewed-proxy"));
        Assert.StartsWith("renewed-proxy-", listed.ConnectionId);

        call.Requests.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, renewals.Count);
        await LoseDirectoryStateAsync();
        await renewals.RenewAsync();
        Assert.Empty(await ProxyDirectory.FindAsync("renewed-proxy"));
    }

    /// <summary>Deactivates the directory, as its silo's death would; the next call activates a new, empty one.</summary>
    private async Task LoseDirectoryStateAsync()
    {
        await ProxyDirectory.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await UntilAsync(async () => (await ProxyDirectory.GetConnectionsAsync()).Count == 0, "a fresh directory activation");
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string because)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"within 20 s: expected {because}");
            await Task.Delay(20);
        }
    }
}
