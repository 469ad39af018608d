using Mesh.Silo.Clustering;
using Orleans;
using Orleans.Runtime;

namespace Mesh.Silo.Tests.Clustering;

/// <summary>
/// Writers racing on what they read: each has its own table and client, as silos do, and all start
/// together. Whatever the interleaving, of writers that read the same table version or row etag
/// exactly one may win, and the table must then hold the winner's write.
/// </summary>
public sealed class KubernetesMembershipRaceTests : IAsyncLifetime
{
    private const int Writers = 20;
    private const int Rounds = 5;

    private MembershipApi _api = null!;
    private KubernetesMembershipTable[] _tables = null!;

    public async Task InitializeAsync()
    {
        _api = await MembershipApi.StartAsync();
        _tables = [.. Enumerable.Range(0, Writers).Select(_ => _api.Table())];
        await _tables[0].InitializeMembershipTable(tryInitTableVersion: true);
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task UpdateRow_TwentyWritersSameEtagAndVersion_ExactlyOneWinsEachRound()
    {
        var silo = MembershipApi.Entry(11111);
        Assert.True(await _tables[0].InsertRow(silo, (await _tables[0].ReadAll()).Version.Next()));

        for (var round = 0; round < Rounds; round++)
        {
            var read = await _tables[0].ReadAll();
            var etag = read.Members[0].Item2;
            var results = await Race(i =>
            {
                var entry = MembershipApi.Entry(11111);
                entry.UpdateZone = i;
                return _tables[i].UpdateRow(entry, etag, read.Version.Next());
            });

            var winner = Assert.Single(results.Index(), r => r.Item).Index;
            var after = await _tables[0].ReadAll();
            Assert.Equal(winner, Assert.Single(after.Members).Item1.UpdateZone);
            Assert.Equal(read.Version.Version + 1, after.Version.Version);
        }
    }

    [Fact]
    public async Task InsertRow_TwentyWritersSameSilo_ExactlyOneWins()
    {
        for (var round = 0; round < Rounds; round++)
        {
            var version = (await _tables[0].ReadAll()).Version;
            var results = await Race(i =>
            {
                var entry = MembershipApi.Entry(20000 + round);
                entry.UpdateZone = i;
                return _tables[i].InsertRow(entry, version.Next());
            });

            var winner = Assert.Single(results.Index(), r => r.Item).Index;
            var after = await _tables[0].ReadAll();
            Assert.Equal(round + 1, after.Members.Count);
            Assert.Equal(winner, after.Members.Single(m => m.Item1.SiloAddress.Endpoint.Port == 20000 + round).Item1.UpdateZone);
        }
    }

    [Fact]
    public async Task InsertRow_TwentyDifferentSilosSameVersion_ExactlyOneWins()
    {
        for (var round = 0; round < Rounds; round++)
        {
            var version = (await _tables[0].ReadAll()).Version;
            var results = await Race(i => _tables[i].InsertRow(MembershipApi.Entry(30000 + 100 * round + i), version.Next()));

            var winner = Assert.Single(results.Index(), r => r.Item).Index;
            var after = await _tables[0].ReadAll();
            Assert.Equal(round + 1, after.Members.Count);
            Assert.Contains(after.Members, m => m.Item1.SiloAddress.Endpoint.Port == 30000 + 100 * round + winner);
            Assert.Equal(version.Version + 1, after.Version.Version);
        }
    }

    [Fact]
    public async Task UpdateRow_RacingWritersAndHeartbeats_ExactlyOneWinsAndHeartbeatsAllLand()
    {
        var silo = MembershipApi.Entry(11111, SiloStatus.Active);
        Assert.True(await _tables[0].InsertRow(silo, (await _tables[0].ReadAll()).Version.Next()));

        for (var round = 0; round < Rounds; round++)
        {
            var read = await _tables[0].ReadAll();
            var etag = read.Members[0].Item2;
            // The silo's own heartbeat loop, one beat after another, while the writers race.
            var heartbeats = Task.Run(async () =>
            {
                for (var beat = 1; beat <= 5; beat++)
                    await _tables[0].UpdateIAmAlive(new MembershipEntry { SiloAddress = silo.SiloAddress, IAmAliveTime = silo.IAmAliveTime.AddMinutes(round * 10 + beat) });
            });
            var results = await Race(i =>
            {
                var entry = MembershipApi.Entry(11111, SiloStatus.Active);
                entry.UpdateZone = i;
                return _tables[i].UpdateRow(entry, etag, read.Version.Next());
            });
            await heartbeats;

            var winner = Assert.Single(results.Index(), r => r.Item).Index;
            var stored = Assert.Single((await _tables[0].ReadAll()).Members).Item1;
            Assert.Equal(winner, stored.UpdateZone);
            // No write rolled a heartbeat back: the round's last beat is what the row holds.
            Assert.Equal(silo.IAmAliveTime.AddMinutes(round * 10 + 5), stored.IAmAliveTime);
        }
    }

    [Fact]
    public async Task UpdateRow_WritersRereadingAndRetrying_NoIncrementLost()
    {
        const int Increments = 5;
        var silo = MembershipApi.Entry(11111);
        Assert.True(await _tables[0].InsertRow(silo, (await _tables[0].ReadAll()).Version.Next()));

        // Each writer adds one to the row's counter Increments times, rereading after every refusal,
        // as Orleans does. An update made on a stale read of the row would lose another's increment.
        await Race(async i =>
        {
            for (var done = 0; done < Increments;)
            {
                var read = await _tables[i].ReadAll();
                var (entry, etag) = read.Members[0];
                entry.UpdateZone++;
                if (await _tables[i].UpdateRow(entry, etag, read.Version.Next())) done++;
            }
            return true;
        });

        var final = await _tables[0].ReadAll();
        Assert.Equal(Writers * Increments, Assert.Single(final.Members).Item1.UpdateZone);
        Assert.True(final.Version.Version >= 1 + Writers * Increments, final.Version.ToString());
    }

    /// <summary>Runs one call per writer, all released at once.</summary>
    private static async Task<bool[]> Race(Func<int, Task<bool>> write)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, Writers).Select(async i =>
        {
            await start.Task;
            return await write(i);
        }).ToList();
        start.SetResult();
        return await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(120));
    }
}
