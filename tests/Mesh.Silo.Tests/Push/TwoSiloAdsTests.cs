using Envoy.Config.Endpoint.V3;
using Mesh.Api.Xds;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Push;

/// <summary>
/// Two real silos (Orleans clustered over loopback, each with its own xDS port) and one proxy on
/// each: an edit read by the first silo's config source reaches the proxy on the second silo too.
/// </summary>
public sealed class TwoSiloAdsTests : IAsyncLifetime
{
    private SiloFixture _primary = null!;
    private SiloFixture _secondary = null!;

    public async Task InitializeAsync()
    {
        var cluster = $"two-silo-{Guid.NewGuid():N}";
        var dir = Directory.CreateTempSubdirectory("mesh-two-silo-").FullName;
        File.WriteAllText(Path.Combine(dir, "two.yaml"), SampleConfig.ServiceEntry("two.mesh.local", 9400, ("127.0.0.1", 9401, "v1")));
        _primary = await SiloFixture.StartAsync(dir, clusterId: cluster);
        // The second silo reads an empty directory: all it serves comes through the grains.
        _secondary = await SiloFixture.StartAsync(primarySiloPort: _primary.Options.SiloPort, clusterId: cluster);
    }

    public async Task DisposeAsync()
    {
        await _secondary.DisposeAsync();
        await _primary.DisposeAsync();
    }

    private static string Address(Envoy.Service.Discovery.V3.DiscoveryResponse r) =>
        r.Resources.Single().Unpack<ClusterLoadAssignment>().Endpoints.SelectMany(l => l.LbEndpoints).Single().Endpoint.Address.SocketAddress.Address;

    [Fact]
    public async Task ConfigEdit_OnOneSilo_ReachesProxiesOnBothSilos()
    {
        const string name = "outbound|9400||two.mesh.local";
        await using var onPrimary = new AdsClient(_primary.Options.XdsPort, "proxy-on-primary");
        await using var onSecondary = new AdsClient(_secondary.Options.XdsPort, "proxy-on-secondary");
        var clients = new[] { onPrimary, onSecondary };
        foreach (var client in clients)
        {
            await client.SendAsync(ResourceTypes.ClusterLoadAssignment, [name]);
            var first = await client.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment,
                r => r.Resources.Count == 1 && Address(r) == "127.0.0.1", $"{client.NodeId}: the first endpoints");
            await client.AckAsync(first, [name]);
        }

        var started = DateTime.UtcNow;
        File.WriteAllText(Path.Combine(_primary.ConfigDir, "two.yaml"), SampleConfig.ServiceEntry("two.mesh.local", 9400, ("127.0.0.42", 9401, "v1")));

        foreach (var client in clients)
        {
            var pushed = await client.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment,
                r => r.Resources.Count == 1 && Address(r) == "127.0.0.42", $"{client.NodeId}: the edited endpoint");
            Assert.Equal(name, pushed.Resources.Single().Unpack<ClusterLoadAssignment>().ClusterName);
        }
        Console.WriteLine($"edit on the primary silo reached proxies on both silos in {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms");
    }
}
