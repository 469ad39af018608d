using System.Net;
using System.Text.Json.Nodes;
using Mesh.Silo.Clustering;
using Mesh.Testing.Kubernetes;
using Orleans;
using Orleans.Runtime;

namespace Mesh.Silo.Tests.Clustering;

/// <summary>The membership table's Orleans semantics, against the fake API server through the real client.</summary>
public sealed class KubernetesMembershipTableTests : IAsyncLifetime
{
    private MembershipApi _api = null!;

    public async Task InitializeAsync() => _api = await MembershipApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task InitializeMembershipTable_Twice_OneVersionObjectAtVersionZero()
    {
        var table = await _api.InitializedTableAsync();
        var first = await table.ReadAll();
        await table.InitializeMembershipTable(tryInitTableVersion: true);
        var second = await table.ReadAll();

        Assert.Empty(second.Members);
        Assert.Equal(0, second.Version.Version);
        Assert.Equal(first.Version, second.Version);
        Assert.NotEqual("0", second.Version.VersionEtag);
        Assert.NotNull(_api.Server.Get(FakeResource.MeshClusterVersions, MembershipApi.Namespace, "test"));
    }

    [Fact]
    public async Task ReadAll_NoVersionObjectYet_VersionZeroAndFirstInsertCreatesIt()
    {
        var table = _api.Table();
        await table.InitializeMembershipTable(tryInitTableVersion: false);

        var empty = await table.ReadAll();
        Assert.Equal(new TableVersion(0, "0"), empty.Version);
        Assert.True(await table.InsertRow(MembershipApi.Entry(11111), empty.Version.Next()));
        Assert.False(await table.InsertRow(MembershipApi.Entry(11112), empty.Version.Next()));
        Assert.Equal(1, (await table.ReadAll()).Version.Version);
    }

    [Fact]
    public async Task InsertRow_ThenReadAndUpdate_RoundTripsEveryField()
    {
        var table = await _api.InitializedTableAsync();
        var entry = MembershipApi.Entry(11111);
        entry.RoleName = "mesh";
        entry.UpdateZone = 3;
        entry.FaultZone = 4;
        entry.SuspectTimes = [Tuple.Create(SiloAddress.New(new IPEndPoint(IPAddress.Parse("10.0.0.9"), 11111), 7), entry.StartTime.AddSeconds(5))];

        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var read = await table.ReadRow(entry.SiloAddress);
        var (stored, etag) = Assert.Single(read.Members);
        Assert.Equal(entry.ToFullString(), stored.ToFullString());
        Assert.Equal(entry.StartTime, stored.StartTime);
        Assert.Equal(entry.IAmAliveTime, stored.IAmAliveTime);
        Assert.Equal(entry.SuspectTimes[0], Assert.Single(stored.SuspectTimes!));
        Assert.Equal(1, read.Version.Version);

        stored.Status = SiloStatus.Active;
        stored.IAmAliveTime = stored.IAmAliveTime.AddSeconds(30);
        Assert.True(await table.UpdateRow(stored, etag, read.Version.Next()));

        var all = await table.ReadAll();
        var (updated, newEtag) = Assert.Single(all.Members);
        Assert.Equal(stored.ToFullString(), updated.ToFullString());
        Assert.Equal(SiloStatus.Active, updated.Status);
        Assert.NotEqual(etag, newEtag);
        Assert.Equal(2, all.Version.Version);
    }

    [Fact]
    public async Task InsertRow_EachWrite_IncrementsTableVersionWithNewEtag()
    {
        var table = await _api.InitializedTableAsync();
        var seen = new List<TableVersion> { (await table.ReadAll()).Version };
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await table.InsertRow(MembershipApi.Entry(11111 + 10 * i), seen[^1].Next()));
            seen.Add((await table.ReadAll()).Version);
        }
        var row = (await table.ReadAll()).Members[0];
        Assert.True(await table.UpdateRow(row.Item1, row.Item2, seen[^1].Next()));
        seen.Add((await table.ReadAll()).Version);

        Assert.Equal([0, 1, 2, 3, 4], seen.Select(v => v.Version));
        Assert.Equal(5, seen.Select(v => v.VersionEtag).Distinct().Count());
        // A version read before the last write is stale: refused, and the table is left as it was.
        Assert.False(await table.InsertRow(MembershipApi.Entry(22222), seen[^2].Next()));
        Assert.Equal(seen[^1], (await table.ReadAll()).Version);
        Assert.Equal(3, (await table.ReadAll()).Members.Count);
    }

    [Fact]
    public async Task InsertRow_SiloAlreadyInTable_ReturnsFalseAndKeepsVersion()
    {
        var table = await _api.InitializedTableAsync();
        var entry = MembershipApi.Entry(11111);
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var before = await table.ReadAll();

        entry.Status = SiloStatus.Active;
        Assert.False(await table.InsertRow(entry, before.Version.Next()));

        var after = await table.ReadAll();
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(SiloStatus.Joining, Assert.Single(after.Members).Item1.Status);
    }

    [Fact]
    public async Task UpdateRow_StaleEtagOrVersionOrMissingRow_ReturnsFalse()
    {
        var table = await _api.InitializedTableAsync();
        var entry = MembershipApi.Entry(11111);
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var first = await table.ReadAll();
        var firstEtag = first.Members[0].Item2;
        entry.Status = SiloStatus.Active;
        Assert.True(await table.UpdateRow(entry, firstEtag, first.Version.Next()));
        var second = await table.ReadAll();

        entry.Status = SiloStatus.ShuttingDown;
        Assert.False(await table.UpdateRow(entry, firstEtag, second.Version.Next()));
        Assert.False(await table.UpdateRow(entry, second.Members[0].Item2, first.Version.Next()));
        Assert.False(await table.UpdateRow(MembershipApi.Entry(33333), second.Members[0].Item2, second.Version.Next()));

        var after = await table.ReadAll();
        Assert.Equal(second.Version, after.Version);
        Assert.Equal(SiloStatus.Active, Assert.Single(after.Members).Item1.Status);
    }

    [Fact]
    public async Task UpdateIAmAlive_WritesOnlyTheHeartbeat_EtagAndVersionStillValid()
    {
        var table = await _api.InitializedTableAsync();
        var entry = MembershipApi.Entry(11111, SiloStatus.Active);
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var before = await table.ReadAll();
        var rowVersionBefore = ResourceVersionOfRow(entry);

        var alive = entry.IAmAliveTime.AddMinutes(1);
        await table.UpdateIAmAlive(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = alive });

        var after = await table.ReadAll();
        var (stored, etag) = Assert.Single(after.Members);
        Assert.Equal(alive, stored.IAmAliveTime);
        Assert.Equal(SiloStatus.Active, stored.Status);
        Assert.Equal(entry.SiloName, stored.SiloName);
        Assert.Equal(before.Members[0].Item2, etag);
        Assert.Equal(before.Version, after.Version);
        Assert.NotEqual(rowVersionBefore, ResourceVersionOfRow(entry));
        // Orleans may update with what it read before the heartbeat; that must still succeed, and
        // keep the newer heartbeat time rather than the older one the entry carries.
        var earlier = before.Members[0].Item1;
        earlier.Status = SiloStatus.ShuttingDown;
        Assert.True(await table.UpdateRow(earlier, before.Members[0].Item2, before.Version.Next()));
        var final = Assert.Single((await table.ReadAll()).Members).Item1;
        Assert.Equal(SiloStatus.ShuttingDown, final.Status);
        Assert.Equal(alive, final.IAmAliveTime);
    }

    [Fact]
    public async Task UpdateIAmAlive_RowMissing_ThrowsNamingTheSilo()
    {
        var table = await _api.InitializedTableAsync();
        var entry = MembershipApi.Entry(11111);

        var error = await Assert.ThrowsAsync<KubernetesMembershipException>(() => table.UpdateIAmAlive(entry));
        Assert.Contains(entry.SiloAddress.ToString(), error.Message);
    }

    [Fact]
    public async Task DeleteMembershipTableEntries_OneCluster_OtherClusterKept()
    {
        var a = await _api.InitializedTableAsync("cluster-a");
        var b = await _api.InitializedTableAsync("cluster-b");
        Assert.True(await a.InsertRow(MembershipApi.Entry(11111), (await a.ReadAll()).Version.Next()));
        Assert.True(await a.InsertRow(MembershipApi.Entry(11121), (await a.ReadAll()).Version.Next()));
        Assert.True(await b.InsertRow(MembershipApi.Entry(11111), (await b.ReadAll()).Version.Next()));

        await b.DeleteMembershipTableEntries("cluster-a");

        var gone = await a.ReadAll();
        Assert.Empty(gone.Members);
        Assert.Equal(new TableVersion(0, "0"), gone.Version);
        Assert.Null(_api.Server.Get(FakeResource.MeshClusterVersions, MembershipApi.Namespace, "cluster-a"));
        var kept = await b.ReadAll();
        Assert.Single(kept.Members);
        Assert.Equal(1, kept.Version.Version);
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_OldDeadRows_DeletedOthersKept()
    {
        var table = await _api.InitializedTableAsync();
        var now = new DateTime(2026, 3, 10, 0, 0, 0, DateTimeKind.Utc);
        var old = now.AddDays(-10);
        var oldDead = MembershipApi.Entry(11111, SiloStatus.Dead, old);
        var oldDeadRecentVote = MembershipApi.Entry(11121, SiloStatus.Dead, old);
        oldDeadRecentVote.SuspectTimes = [Tuple.Create(MembershipApi.Entry(9999).SiloAddress, now)];
        var recentDead = MembershipApi.Entry(11131, SiloStatus.Dead, now);
        var oldJoining = MembershipApi.Entry(11141, SiloStatus.Joining, old);
        var oldActive = MembershipApi.Entry(11151, SiloStatus.Active, old);
        foreach (var entry in new[] { oldDead, oldDeadRecentVote, recentDead, oldJoining, oldActive })
            Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var before = await table.ReadAll();

        await table.CleanupDefunctSiloEntries(now.AddDays(-3));

        var after = await table.ReadAll();
        Assert.Equal(
            new[] { oldDeadRecentVote, recentDead, oldJoining, oldActive }.Select(e => e.SiloAddress).Order(),
            after.Members.Select(m => m.Item1.SiloAddress).Order());
        Assert.Equal(before.Version, after.Version);
    }

    [Fact]
    public async Task ReadAll_DamagedRow_LeftOutOthersRead()
    {
        var table = await _api.InitializedTableAsync();
        Assert.True(await table.InsertRow(MembershipApi.Entry(11111), (await table.ReadAll()).Version.Next()));
        _api.Server.ApplyJson(FakeResource.MeshSilos, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "test.broken", ["namespace"] = MembershipApi.Namespace, ["labels"] = new JsonObject { ["mesh.io/cluster"] = "test" } },
            ["spec"] = new JsonObject { ["clusterId"] = "test", ["siloAddress"] = "not an address", ["status"] = "Active", ["etag"] = "1" },
        }.ToJsonString());

        var all = await table.ReadAll();

        Assert.Equal(11111, Assert.Single(all.Members).Item1.SiloAddress.Endpoint.Port);
    }

    private string ResourceVersionOfRow(MembershipEntry entry) =>
        JsonNode.Parse(_api.Server.Get(FakeResource.MeshSilos, MembershipApi.Namespace, MembershipNames.Silo("test", entry.SiloAddress))!)!["metadata"]!["resourceVersion"]!.GetValue<string>();
}
