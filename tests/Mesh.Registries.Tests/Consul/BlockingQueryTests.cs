using Mesh.Registries.Consul;
using Mesh.Testing.Consul;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Registries.Tests.Consul;

public sealed class BlockingQueryTests
{
    private static ConsulOptions Options => ConsulTestClients.Options(new Uri("http://127.0.0.1:1"));

    [Fact]
    public async Task NextAsync_IndexGoesBackwards_ResetsSoTheNextReadAnswersAtOnce()
    {
        await using var consul = await FakeConsul.StartAsync();
        consul.Register(new FakeInstance("web-1", "web", "10.0.0.1", 8080));
        var options = ConsulTestClients.Options(consul.Address) with { Wait = TimeSpan.FromMilliseconds(200) };
        var client = ConsulTestClients.Client(options);
        var query = new BlockingQuery<IReadOnlyList<ConsulHealthEntry>>(
            (q, c) => client.HealthServiceAsync("web", null, q, c), 0, options, TimeProvider.System, new Random(1));
        var first = await query.NextAsync(CancellationToken.None);
        Assert.Equal(first.Index, query.Index);

        consul.ResetIndex(3);
        // Consul holds the read (index above its own) until wait elapses, then answers with the lower index.
        var backwards = await query.NextAsync(CancellationToken.None);
        Assert.Equal(3ul, backwards.Index);
        Assert.Equal(0ul, query.Index);
        var fresh = await query.NextAsync(CancellationToken.None);

        Assert.Equal(3ul, fresh.Index);
        Assert.Equal(3ul, query.Index);
        var queries = consul.Requests.Select(r => r.Query).ToList();
        Assert.Equal("", queries[0]);
        Assert.StartsWith($"?index={first.Index}&wait=", queries[1], StringComparison.Ordinal);
        Assert.Equal("", queries[2]);
    }

    [Fact]
    public async Task NextAsync_AnswerWithoutIndex_BlocksOnOneNotZero()
    {
        var sent = new List<ConsulQuery>();
        var query = new BlockingQuery<int>((q, _) => { sent.Add(q); return Task.FromResult(new ConsulResponse<int>(0, 0)); },
            0, Options, TimeProvider.System, new Random(1));

        await query.NextAsync(CancellationToken.None);
        await query.NextAsync(CancellationToken.None);

        Assert.Equal([0ul, 1ul], sent.Select(q => q.Index));
    }

    [Fact]
    public async Task NextAsync_Wait_JitteredWithinASixteenth()
    {
        var options = Options with { Wait = TimeSpan.FromSeconds(16) };
        var sent = new List<ConsulQuery>();
        var query = new BlockingQuery<int>((q, _) => { sent.Add(q); return Task.FromResult(new ConsulResponse<int>(0, 5)); },
            5, options with { QueryBurst = 100 }, TimeProvider.System, new Random(7));

        for (var i = 0; i < 20; i++) await query.NextAsync(CancellationToken.None);

        Assert.All(sent, q => Assert.InRange(q.Wait, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(16)));
        Assert.True(sent.Select(q => q.Wait).Distinct().Count() > 1, "the wait is jittered");
    }

    [Fact]
    public async Task NextAsync_EveryAnswerAChange_DegradesToOneReadPerInterval()
    {
        var time = new FakeTimeProvider();
        var options = Options with { QueryBurst = 2, QueryInterval = TimeSpan.FromSeconds(15) };
        ulong index = 10;
        var query = new BlockingQuery<int>((_, _) => Task.FromResult(new ConsulResponse<int>(0, ++index)), 10, options, time, new Random(1));

        await query.NextAsync(CancellationToken.None);
        await query.NextAsync(CancellationToken.None);
        var third = query.NextAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(14));
        Assert.False(third.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await third.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(13ul, query.Index);
    }
}
