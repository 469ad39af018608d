using Mesh.Api.Retry;
namespace Mesh.Registries.Consul;

/// <summary>
/// One watched Consul resource and the index rules of Consul's blocking queries: block on the last
/// index seen; if an answer's index went backwards (a restored snapshot, a re-elected leader with
/// other indexes) start over with a plain read; never block on index 0, which Consul answers at once
/// (a buggy 0 becomes 1); add jitter to the wait; and rate-limit, so that a resource changing faster
/// than it can be read is polled instead of spun on. Not thread-safe: one watch loop owns it.
/// </summary>
public sealed class BlockingQuery<T>(
    Func<ConsulQuery, CancellationToken, Task<ConsulResponse<T>>> send,
    ulong startIndex,
    ConsulOptions options,
    TimeProvider time,
    Random random)
{
    // A burst of queries without waiting, then one per interval: a loop whose every answer is a change
    // degrades into polling at that rate. No interval, no pacing.
    private readonly RateBucket? _bucket = options.QueryInterval > TimeSpan.Zero
        ? new RateBucket(1 / options.QueryInterval.TotalSeconds, Math.Max(options.QueryBurst, 1), time)
        : null;

    public ulong Index { get; private set; } = startIndex;

    public async Task<ConsulResponse<T>> NextAsync(CancellationToken cancel)
    {
        if (_bucket?.Reserve() is { } pause && pause > TimeSpan.Zero) await Task.Delay(pause, time, cancel);
        // Watchers started together would otherwise all wake at the same moment when nothing changes.
        var wait = options.Wait - TimeSpan.FromTicks((long)(options.Wait.Ticks / 16 * random.NextDouble()));
        var response = await send(new ConsulQuery(Index, wait), cancel);
        Index = response.Index < Index ? 0 : Math.Max(response.Index, 1);
        return response;
    }
}
