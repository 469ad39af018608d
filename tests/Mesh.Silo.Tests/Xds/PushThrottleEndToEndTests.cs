using Envoy.Config.Cluster.V3;
using Mesh.Api.Xds;
using Mesh.Silo.Xds;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Silo.Tests.Xds;

/// <summary>The silo's push throttle (--push-throttle, Istio's PILOT_PUSH_THROTTLE) with real ADS clients.</summary>
public sealed class PushThrottleEndToEndTests
{
    private const string NewHost = "added.mesh.local";

    [Fact]
    public async Task Push_ThrottleOfOneSeveralProxies_EditWaitsForTheSlotThenReachesEveryProxy()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-push-throttle-").FullName;
        File.WriteAllText(Path.Combine(dir, "t.yaml"), SampleConfig.ServiceEntry("t.mesh.local", 9200, ("127.0.0.1", 9201, "v1")));
        await using var silo = await SiloFixture.StartAsync(dir, configure: o => o with { PushThrottle = 1 });
        var throttle = silo.Services.GetRequiredService<XdsStreamContext>().PushThrottle;
        var clients = Enumerable.Range(0, 6).Select(i => new AdsClient(silo.Options.XdsPort, $"throttled-{i}")).ToList();
        try
        {
            foreach (var client in clients)
            {
                await client.SendAsync(ResourceTypes.Cluster, []);
                await client.AckAsync(await client.NextAsync("the first CDS (answers are not throttled)"), []);
            }

            // The test holds the only slot: the edit's pushes must wait for it, not go out around it.
            var held = await throttle.EnterAsync(CancellationToken.None);
            silo.WriteConfig("added.yaml", SampleConfig.ServiceEntry(NewHost, 9300, ("127.0.0.2", 9301, "v1")));
            await WaitUntilAsync(() => silo.Services.GetRequiredService<Mesh.Silo.Push.PushHub>().Current.OfType(ResourceTypes.Cluster)
                .Keys.Any(k => k.EndsWith(NewHost, StringComparison.Ordinal)), "the hub to have the edit");
            var early = await clients[0].TryNextAsync(TimeSpan.FromSeconds(1));
            Assert.Null(early);
            Assert.Equal(1, throttle.InFlight);
            held.Dispose();

            foreach (var client in clients)
            {
                var cds = await client.NextMatchingAsync(ResourceTypes.Cluster,
                    r => r.Resources.Any(a => a.Unpack<Cluster>().Name.EndsWith(NewHost, StringComparison.Ordinal)), $"{client.NodeId} to get the edit");
                Assert.Equal(2, cds.Resources.Count);
            }
            // A slot is released just after its write completes, which may be after the client read it.
            await WaitUntilAsync(() => throttle.InFlight == 0, "every push to release its slot");
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
