using System.Diagnostics;
using System.Net;
using Mesh.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Cluster.Tests.Clustering;

/// <summary>
/// Three silo processes, 20 hosts, nine xDS clients and three sidecars spread over the silos, real
/// HTTP backends and steady traffic; one silo is killed with SIGKILL. Checked as the issue states
/// it: every proxy gets back exactly the config it had; a proxy that lost its silo holds its full
/// config again within 5 s; no host goes missing from any proxy at any moment of the watch window;
/// no request through a sidecar fails; a change made after the kill reaches every proxy; the
/// killed silo restarts on its old ports and rejoins, and no silo exits.
/// </summary>
public sealed class SiloLossScenario(ITestOutputHelper output)
{
    private const int Hosts = 20;
    private const int Silos = 3;
    private const int Proxies = 9;
    private static readonly TimeSpan MovedProxyDeadline = TimeSpan.FromSeconds(5);

    /// <param name="source">Where the hosts come from, and how one of them is changed after the kill.</param>
    /// <param name="victim">Index of the silo to kill: 0 is the first started, which holds the registries.</param>
    /// <param name="watch">How long after the kill no host may go missing.</param>
    public async Task RunAsync(IReadOnlyList<string> clusteringArgs, IHostSource source, int victim, TimeSpan watch)
    {
        string Host(int i) => source.Host(i);
        string ClusterOf(int i) => $"outbound|8080||{Host(i)}";
        await using var b1 = await HttpBackend.StartAsync("b1");
        await using var b2 = await HttpBackend.StartAsync("b2");
        await using var cluster = await MeshCluster.StartAsync(Silos, clusteringArgs, dir =>
        {
            for (var i = 0; i < Hosts; i++) source.Publish(dir, i, b1.Port);
        });
        var expected = Enumerable.Range(0, Hosts).Select(ClusterOf).ToHashSet(StringComparer.Ordinal);
        var proxies = Enumerable.Range(0, Proxies).Select(i => new WatchingProxy($"watcher-{i}", cluster.XdsPorts, i % Silos, expected)).ToList();
        var sidecars = new List<Sidecar>();
        try
        {
            for (var i = 0; i < Silos; i++)
                sidecars.Add(await Sidecar.StartAsync($"sidecar-{i}", cluster.XdsPorts.Skip(i).Concat(cluster.XdsPorts.Take(i))));
            await Poll.UntilAsync(() => Task.FromResult(proxies.All(p => p.HoldsAll())), TimeSpan.FromSeconds(60), "every proxy holds all 20 hosts", cluster);
            var authorities = Enumerable.Range(0, Hosts).Select(i => $"{Host(i)}:8080").ToList();
            foreach (var sidecar in sidecars)
                foreach (var authority in authorities)
                    await Poll.UntilAsync(async () => (await sidecar.GetAsync(authority)).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(60), $"{sidecar.Name} routes {authority}", cluster);

            var before = proxies.ToDictionary(p => p.NodeId, p => p.Held());
            foreach (var p in proxies) p.Arm();
            foreach (var sidecar in sidecars) sidecar.StartLoad(authorities);
            var moved = proxies.Where(p => p.ConnectedPort == cluster.Silos[victim].XdsPort).ToList();
            Assert.NotEmpty(moved);

            var killedAt = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            await cluster.Silos[victim].KillAsync();
            output.WriteLine($"{killedAt:HH:mm:ss.fff} killed {cluster.Silos[victim].Name}; {moved.Count} proxies were on it");

            await Poll.UntilAsync(() => Task.FromResult(moved.All(p => p.FullAgainAt is not null)), TimeSpan.FromSeconds(30), "the moved proxies hold their full config again", cluster);
            foreach (var p in moved)
            {
                var took = p.FullAgainAt!.Value - killedAt;
                output.WriteLine($"{p.NodeId}: full config again after {took.TotalMilliseconds:F0} ms on :{p.ConnectedPort}");
                Assert.True(took < MovedProxyDeadline, $"{p.NodeId} held its full config again only {took.TotalMilliseconds:F0} ms after the kill\n{cluster.Output()}");
            }

            // The same config as before, on every proxy.
            await Poll.UntilAsync(() => Task.FromResult(proxies.All(p => Same(before[p.NodeId], p.Held()))), TimeSpan.FromSeconds(30),
                "every proxy holds exactly what it held before the kill", cluster);

            // A change after the kill reaches everyone: svc-05 moves to the second backend.
            var changedAt = clock.Elapsed;
            source.Publish(cluster.ConfigDir, 5, b2.Port);
            var target = $"127.0.0.1:{b2.Port}";
            await Poll.UntilAsync(() => Task.FromResult(proxies.All(p => p.EndpointsOf(ClusterOf(5)) == target)), TimeSpan.FromSeconds(30),
                "the change made after the kill reaches every proxy", cluster);
            output.WriteLine($"change after the kill reached all {Proxies} proxies in {(clock.Elapsed - changedAt).TotalMilliseconds:F0} ms");
            foreach (var sidecar in sidecars)
                await Poll.UntilAsync(async () => (await sidecar.GetAsync(authorities[5])).Body == "b2", TimeSpan.FromSeconds(30), $"{sidecar.Name} routes svc-05 to b2", cluster);

            var survivors = cluster.Silos.Where((_, i) => i != victim).ToList();
            var registries = await survivors[0].GetJsonAsync("debug/registryz");
            output.WriteLine($"registryz on {survivors[0].Name} after the kill: {registries}");
            var owner = registries.EnumerateArray().First().GetProperty("owner").GetString() ?? "";
            Assert.Contains(survivors, s => owner.Contains($":{s.SiloPort}@", StringComparison.Ordinal));

            // No host missing at any moment of the window.
            while (clock.Elapsed < watch)
            {
                Assert.Empty(proxies.SelectMany(p => p.Violations));
                Assert.All(survivors, s => Assert.True(s.Running, $"{s.Name} exited\n{s.Output()}"));
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            // The killed silo comes back on its ports and rejoins; nobody aborts.
            cluster.Silos[victim].Start();
            await cluster.Silos[victim].WaitReadyAsync();
            await using (var rejoined = new WatchingProxy("after-restart", [cluster.Silos[victim].XdsPort], 0, expected))
                await Poll.UntilAsync(() => Task.FromResult(rejoined.HoldsAll() && rejoined.EndpointsOf(ClusterOf(5)) == target), TimeSpan.FromSeconds(30),
                    "a proxy on the restarted silo gets the whole mesh", cluster);
            Assert.All(cluster.Silos, s => Assert.True(s.Running, $"{s.Name} exited\n{s.Output()}"));

            foreach (var sidecar in sidecars) await sidecar.StopLoadAsync();
            var failures = sidecars.SelectMany(s => s.Failures).ToList();
            output.WriteLine($"requests: {sidecars.Sum(s => s.Sent)} sent, {failures.Count} failed");
            Assert.True(failures.Count == 0, "requests failed:\n" + string.Join("\n", failures.Take(20)));
            Assert.Empty(proxies.SelectMany(p => p.Violations));
        }
        catch
        {
            output.WriteLine(cluster.Output());
            foreach (var v in proxies.SelectMany(p => p.Violations).Take(50)) output.WriteLine(v);
            throw;
        }
        finally
        {
            foreach (var p in proxies) await p.DisposeAsync();
            foreach (var s in sidecars) await s.DisposeAsync();
        }
    }

    private static bool Same(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
