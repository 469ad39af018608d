using Mesh.Interop.Tests.Infrastructure;

namespace Mesh.Interop.Tests.Tests;

/// <summary>DestinationRule consistentHash on a header: grpc-js-xds's ring_hash with the route's hash policy.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Interop")]
public sealed class ConsistentHashTests(MeshFixture mesh, ITestOutputHelper output)
{
    private const int Users = 24;
    private const int CallsPerUser = 5;

    [Fact]
    public async Task Same_header_value_always_reaches_the_same_backend()
    {
        await using var t = new TestScope(mesh, output, "hash");
        var a = await t.BackendAsync("a");
        var b = await t.BackendAsync("b");
        var c = await t.BackendAsync("c");
        await t.ApplyAsync(
            Yaml.ServiceEntry(t.Host, a, b, c)
            + Yaml.DestinationRule(t.Host, [], """
                loadBalancer:
                  consistentHash: {httpHeaderName: x-user}
                """));

        // ring_hash stays IDLE until a pick needs a backend, so the channel never reports READY by
        // itself: skip that wait. Calls queue (they do not fail) while a picked backend connects.
        var run = new ClientRun(t.Target) { Calls = Users * CallsPerUser, Concurrency = 4, ReadyTimeoutMs = 0, CycleHeader = $"x-user={Users}" };
        var first = await t.RunClientAsync(run, "hash-1");
        // A second client builds its own ring from the same endpoints: the mapping must not change.
        var second = await t.RunClientAsync(run, "hash-2");

        Assert.Equal(run.Calls, first.Ok);
        Assert.Equal(run.Calls, second.Ok);
        var owner = new Dictionary<string, string>();
        foreach (var (user, counts) in first.PerValue)
        {
            Assert.True(counts.Count == 1, $"x-user {user} reached several backends: {string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}"))}");
            owner[user] = counts.Keys.Single();
        }
        foreach (var (user, counts) in second.PerValue)
            Assert.True(counts.Count == 1 && counts.ContainsKey(owner[user]),
                $"x-user {user}: first client always reached {owner[user]}, second reached {string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}"))}");

        var spread = owner.GroupBy(o => o.Value).ToDictionary(g => g.Key, g => g.Count());
        t.Log($"consistent hash over {Users} x-user values x {CallsPerUser} calls, 2 clients: each value pinned to one backend; users per backend: {string.Join(", ", spread.OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Value}"))}");
        Assert.Equal(Users, owner.Count);
        // With 3 backends on the ring, all 24 values landing on one backend has probability ~3·(1/3)^24.
        Assert.True(spread.Count >= 2, $"all {Users} header values hashed to one backend: {string.Join(", ", spread)}");
    }
}
