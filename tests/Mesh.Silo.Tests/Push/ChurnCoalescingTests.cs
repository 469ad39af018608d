using Envoy.Config.Endpoint.V3;
using Mesh.Api.Model;
using Mesh.Api.Xds;
using Mesh.Registries.Updates;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Silo.Tests.Push;

/// <summary>A burst of changes to one host reaches a proxy as a few pushes, the last one holding the final state.</summary>
public sealed class ChurnCoalescingTests : IAsyncLifetime
{
    private const string Host = "churn.mesh.local";
    private const string ClusterName = "outbound|9000||churn.mesh.local";
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-churn-").FullName;
        File.WriteAllText(Path.Combine(dir, "churn.yaml"), SampleConfig.ServiceEntry(Host, 9000, ("127.0.0.1", 9001, "v1")));
        // Istio's default quiet period; the fixture's usual 20 ms would split a burst at every scheduling hiccup.
        _silo = await SiloFixture.StartAsync(dir, debounceQuiet: TimeSpan.FromMilliseconds(100));
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private static List<string> Addresses(Envoy.Service.Discovery.V3.DiscoveryResponse r) =>
        [.. r.Resources.Select(a => a.Unpack<ClusterLoadAssignment>()).Where(c => c.ClusterName == ClusterName)
            .SelectMany(c => c.Endpoints).SelectMany(l => l.LbEndpoints).Select(e => e.Endpoint.Address.SocketAddress.Address)];

    [Fact]
    public async Task EndpointsChanged_ThousandTimesInABurst_ProxyGetsAFewPushesEndingWithTheLast()
    {
        await using var client = new AdsClient(_silo.Options.XdsPort, "churn-watcher");
        await client.SendAsync(ResourceTypes.ClusterLoadAssignment, [ClusterName]);
        var first = await client.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => Addresses(r).Count == 1, "the first assignment");
        await client.AckAsync(first, [ClusterName]);

        // Another shard adds endpoints to the host: 1,000 changes, each a different endpoint list.
        var updater = _silo.Services.GetRequiredService<IMeshUpdater>();
        var shard = new ShardKey("Churn", "test");
        var started = DateTime.UtcNow;
        for (var i = 1; i <= 1000; i++)
        {
            IReadOnlyList<MeshEndpoint> endpoints = [.. Enumerable.Range(0, 1 + i % 7).Select(k =>
                new MeshEndpoint($"10.9.{i / 250}.{k + 1}", new Dictionary<string, uint> { ["grpc"] = 9001 }, new Dictionary<string, string>(), null, 0, EndpointHealth.Healthy, null, null))];
            await updater.EndpointsChangedAsync(shard, Host, endpoints);
        }
        var burst = DateTime.UtcNow - started;
        // The last change: 1 + 1000 % 7 = 7 endpoints of 10.9.4.x, plus the ServiceEntry's own.
        var pushes = 0;
        while (true)
        {
            var push = await client.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, _ => true, "the last change");
            pushes++;
            await client.AckAsync(push, [ClusterName]);
            var addresses = Addresses(push);
            if (addresses.Count == 8 && addresses.Count(a => a.StartsWith("10.9.4.", StringComparison.Ordinal)) == 7) break;
        }
        Console.WriteLine($"1,000 endpoint changes in {burst.TotalMilliseconds:F0} ms reached the proxy as {pushes} pushes");
        // 100 ms quiet and 1 s at most: a push per second of churn and the last, plus one per stall of
        // over 100 ms between two changes on a loaded machine. Without coalescing it would be 1,000.
        Assert.InRange(pushes, 1, 20);
    }
}
