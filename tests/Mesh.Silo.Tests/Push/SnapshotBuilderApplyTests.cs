using Mesh.Api.Model;
using Mesh.Api.Xds;
using Mesh.Grains.Abstractions;
using Mesh.Grains.Services;
using Mesh.Silo.Push;

namespace Mesh.Silo.Tests.Push;

/// <summary>
/// The hub derives each snapshot from the last one and the hosts that changed. Whatever the
/// sequence of changes, the result must be the snapshot a build from scratch gives, and the
/// changed names exactly what a full diff finds.
/// </summary>
public sealed class SnapshotBuilderApplyTests
{
    private static readonly ServicePort Http = new(8080, "HTTP", "http", null);
    private static readonly ServicePort Grpc = new(9090, "GRPC", "grpc", null);

    private static ServiceFragments Host(int i, int seed, bool removed = false, bool grpc = false)
    {
        var host = $"h{i}.apply.mesh.local";
        var service = new MeshService(host, "default", grpc ? [Http, Grpc] : [Http], new Dictionary<string, string>(),
            ServiceLocation.MeshInternal, ServiceResolution.Static, []);
        var endpoints = Enumerable.Range(0, 1 + seed % 3).Select(e => new MeshEndpoint(
            $"10.{seed % 250}.{i % 250}.{e + 1}", new Dictionary<string, uint>(), new Dictionary<string, string>(), null, 0,
            EndpointHealth.Healthy, null, null)).ToList();
        var resources = ServiceFragmentBuilder.Build(service, endpoints, null, []);
        return new ServiceFragments(host, $"{seed}", resources, removed, DateTimeOffset.UnixEpoch.AddSeconds(seed), "default", []);
    }

    [Fact]
    public void Apply_RandomChanges_EqualsBuildFromScratchAndItsDiff()
    {
        var random = new Random(1234);
        var live = new Dictionary<int, ServiceFragments>();
        var hub = new SidecarResources();
        var current = ResourceSnapshot.Empty;
        for (var round = 0; round < 60; round++)
        {
            var changes = new Dictionary<int, ServiceFragments>();
            for (var n = random.Next(1, 6); n > 0; n--)
            {
                var i = random.Next(12);
                var removed = live.ContainsKey(i) && random.Next(5) == 0;
                changes[i] = Host(i, random.Next(1000), removed, grpc: random.Next(2) == 0);
            }
            var (next, changed) = SnapshotBuilder.Apply(current, changes.Values, [], hub);
            foreach (var (i, f) in changes)
                if (f.Removed) live.Remove(i); else live[i] = f;
            var scratch = SnapshotBuilder.Build(live.Values);

            AssertSame(scratch, next);
            Assert.Equal(Flatten(SnapshotBuilder.Diff(current, scratch)), Flatten(changed));
            current = next;
        }
    }

    [Fact]
    public void Apply_EndpointOnlyChange_ChangesOneAssignmentAndKeepsRouteTablesShared()
    {
        var before = SnapshotBuilder.Build(Enumerable.Range(0, 20).Select(i => Host(i, 1)), [], new SidecarResources());
        var edited = Host(7, 1) with { Resources = [.. Host(7, 4).Resources] };

        var (after, changed) = SnapshotBuilder.Apply(before, [edited], [], new SidecarResources());

        Assert.Equal([ResourceTypes.ClusterLoadAssignment], changed.Keys);
        Assert.Equal(["outbound|8080||h7.apply.mesh.local"], changed[ResourceTypes.ClusterLoadAssignment]);
        Assert.Same(before.OfType(ResourceTypes.RouteConfiguration), after.OfType(ResourceTypes.RouteConfiguration));
        Assert.Same(before.OfType(ResourceTypes.Cluster), after.OfType(ResourceTypes.Cluster));
        Assert.NotEqual(before.VersionOf(ResourceTypes.ClusterLoadAssignment), after.VersionOf(ResourceTypes.ClusterLoadAssignment));
        Assert.Equal(before.VersionOf(ResourceTypes.Cluster), after.VersionOf(ResourceTypes.Cluster));
    }

    [Fact]
    public void Apply_SameFragmentsAgain_ChangesNothing()
    {
        var hosts = Enumerable.Range(0, 5).Select(i => Host(i, 2)).ToList();
        var before = SnapshotBuilder.Build(hosts);

        var (after, changed) = SnapshotBuilder.Apply(before, [Host(3, 2)], [], new SidecarResources());

        Assert.Empty(changed);
        Assert.Equal(before.TypeVersions, after.TypeVersions);
    }

    [Fact]
    public void Apply_LastHostOfAPortRemoved_ItsRouteTableAndListenerGo()
    {
        var before = SnapshotBuilder.Build([Host(0, 1), Host(1, 1, grpc: true)]);
        Assert.Contains("9090", before.OfType(ResourceTypes.RouteConfiguration).Keys);

        var (after, changed) = SnapshotBuilder.Apply(before, [Host(1, 1, removed: true)], [], new SidecarResources());

        Assert.DoesNotContain("9090", after.OfType(ResourceTypes.RouteConfiguration).Keys);
        Assert.DoesNotContain("0.0.0.0_9090", after.OfType(ResourceTypes.Listener).Keys);
        Assert.Contains("9090", changed[ResourceTypes.RouteConfiguration]);
        Assert.Contains("8080", after.OfType(ResourceTypes.RouteConfiguration).Keys);
    }

    [Fact]
    public void Apply_HttpHostOfAPortLeaves_TheTcpListenerOfTheSameNumberIsServed()
    {
        var tcpService = new MeshService("t.apply.mesh.local", "default", [new ServicePort(8080, "TCP", "tcp", null)], new Dictionary<string, string>(),
            ServiceLocation.MeshInternal, ServiceResolution.Static, []);
        var tcp = new ServiceFragments(tcpService.Host, "t", ServiceFragmentBuilder.Build(tcpService, [], null, []), false, DateTimeOffset.UnixEpoch, "default", []);
        var before = SnapshotBuilder.Build([Host(0, 1), tcp]);
        var http = before.OfType(ResourceTypes.Listener)["0.0.0.0_8080"];

        var (after, changed) = SnapshotBuilder.Apply(before, [Host(0, 1, removed: true)], [], new SidecarResources());
        var (back, _) = SnapshotBuilder.Apply(after, [Host(0, 1)], [], new SidecarResources());

        Assert.Equal(SnapshotBuilder.Build([tcp]).OfType(ResourceTypes.Listener)["0.0.0.0_8080"].Version, after.OfType(ResourceTypes.Listener)["0.0.0.0_8080"].Version);
        Assert.NotEqual(http.Version, after.OfType(ResourceTypes.Listener)["0.0.0.0_8080"].Version);
        Assert.Contains("0.0.0.0_8080", changed[ResourceTypes.Listener]);
        Assert.Equal(http.Version, back.OfType(ResourceTypes.Listener)["0.0.0.0_8080"].Version);
    }

    private static void AssertSame(ResourceSnapshot expected, ResourceSnapshot actual)
    {
        Assert.Equal(expected.ByType.Keys.Order(StringComparer.Ordinal), actual.ByType.Keys.Order(StringComparer.Ordinal));
        foreach (var (type, named) in expected.ByType)
            Assert.Equal(named.Select(kv => (kv.Key, kv.Value.Version)), actual.OfType(type).Select(kv => (kv.Key, kv.Value.Version)));
        Assert.Equal(expected.TypeVersions.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.TypeVersions.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Hosts.Select(h => h.Host), actual.Hosts.Select(h => h.Host));
        Assert.Equal(expected.Localities.Keys.Order(StringComparer.Ordinal), actual.Localities.Keys.Order(StringComparer.Ordinal));
    }

    private static List<string> Flatten(System.Collections.Immutable.ImmutableDictionary<string, System.Collections.Immutable.ImmutableHashSet<string>> changed) =>
        [.. changed.SelectMany(kv => kv.Value.Select(n => kv.Key + " " + n)).Order(StringComparer.Ordinal)];
}
