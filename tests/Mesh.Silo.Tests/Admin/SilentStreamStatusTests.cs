using System.Diagnostics;
using Mesh.Grains.Abstractions;
using Mesh.Grains.Proxies;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Silo.Tests.Admin;

/// <summary>
/// Status pages ask each running stream for its status through its connection grain. A stream that
/// never answers (it ended while its disconnect was still on the way, or its silo is going) must not
/// hold the page up: the grain shows what the stream last recorded, within a bound.
/// </summary>
public sealed class SilentStreamStatusTests : IAsyncLifetime
{
    private SiloFixture _silo = null!;

    public async Task InitializeAsync() => _silo = await SiloFixture.StartAsync(Directory.CreateTempSubdirectory("mesh-silent-").FullName);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    /// <summary>A stream end that takes calls and never answers them.</summary>
    private sealed class SilentStream : IProxyConnectionObserver
    {
        public Task<ConnectionConfig> GetConfigAsync() => new TaskCompletionSource<ConnectionConfig>().Task;

        public Task<IReadOnlyList<TypeSyncStatus>> GetTypesAsync() => new TaskCompletionSource<IReadOnlyList<TypeSyncStatus>>().Task;
    }

    [Fact]
    public async Task GetStatusAndConfig_StreamNeverAnswers_RecordedStatusAndNoConfigWithinTheBound()
    {
        var grains = _silo.Services.GetRequiredService<IGrainFactory>();
        var silent = new SilentStream();
        var observer = grains.CreateObjectReference<IProxyConnectionObserver>(silent);
        var identity = new ProxyIdentity("silent-proxy", "silent-proxy-conn-1", "silo-test", "default", new Dictionary<string, string>(), "ADS",
            DateTimeOffset.UtcNow);
        var grain = grains.GetGrain<IProxyConnectionGrain>(identity.ConnectionId);
        await grain.ConnectedAsync(identity, observer);
        var recorded = new TypeSyncStatus("type.googleapis.com/envoy.config.cluster.v3.Cluster", true, [], "v1", "n1", "v1", null, null);
        await grain.RecordTypesAsync([recorded]);

        var clock = Stopwatch.StartNew();
        var status = await grain.GetStatusAsync();

        Assert.True(clock.Elapsed < ProxyConnectionGrain.StreamAnswerTimeout + TimeSpan.FromSeconds(3),
            $"the status took {clock.Elapsed.TotalSeconds:F1} s while its stream never answers");
        Assert.Equal([recorded], status!.Types);

        clock.Restart();
        var config = await grain.GetConfigAsync();

        Assert.Null(config);
        Assert.True(clock.Elapsed < ProxyConnectionGrain.StreamAnswerTimeout + TimeSpan.FromSeconds(3),
            $"config_dump took {clock.Elapsed.TotalSeconds:F1} s while its stream never answers");
        GC.KeepAlive(silent);
    }
}
