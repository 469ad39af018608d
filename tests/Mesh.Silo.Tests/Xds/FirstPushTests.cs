using Mesh.Api.Xds;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Xds;

/// <summary>The first responses a proxy gets from a silo that has just started following the mesh.</summary>
public sealed class FirstPushTests
{
    private static readonly string[] Hosts = [.. Enumerable.Range(0, 40).Select(i => $"s{i}.mesh.local")];

    [Fact]
    public async Task StreamAggregatedResources_ConnectRightAfterStart_NoCdsResentAtSameVersion()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-first-push-").FullName;
        for (var i = 0; i < Hosts.Length; i++)
            File.WriteAllText(Path.Combine(dir, $"s{i}.yaml"), SampleConfig.ServiceEntry(Hosts[i], 9000, ($"127.0.1.{i + 1}", 9001, "v1")));
        await using var silo = await SiloFixture.StartAsync(dir, debounceQuiet: TimeSpan.FromMilliseconds(1));
        // Several proxies at once: each races the hub's first flushes differently.
        var clients = Enumerable.Range(0, 8).Select(i => new AdsClient(silo.Options.XdsPort, $"sidecar~10.0.0.{i}~a{i}.default~default.svc.cluster.local")).ToList();
        try
        {
            await Task.WhenAll(clients.Select(FollowAsync));
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    private static async Task FollowAsync(AdsClient client)
    {
        await client.SendAsync(ResourceTypes.Cluster, []);
        var versions = new List<string>();
        // Like Envoy: ACK every response; the config may still be arriving, so wait for all of it.
        while (true)
        {
            var response = await client.NextMatchingAsync(ResourceTypes.Cluster, _ => true, "CDS with every host");
            versions.Add(response.VersionInfo);
            await client.AckAsync(response, []);
            if (response.Resources.Count == Hosts.Length) break;
        }

        // The negative check: a re-sent response would follow within a debounce or two.
        var extra = await client.TryNextAsync(TimeSpan.FromSeconds(2));

        Assert.True(extra is null || !versions.Contains(extra.VersionInfo),
            $"{client.NodeId}: CDS re-sent at version {extra?.VersionInfo} after {string.Join(", ", versions)}");
        Assert.Equal(versions.Count, versions.Distinct().Count());
    }
}
