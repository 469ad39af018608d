namespace Mesh.Silo.Xds;

/// <summary>
/// At most Limit pushes written at once on this silo (Istio's PILOT_PUSH_THROTTLE), so that one
/// config change does not serialize and copy every stream's response at the same moment.
/// </summary>
public sealed class PushThrottle(int limit)
{
    private readonly SemaphoreSlim _slots = new(limit, limit);

    public int Limit { get; } = limit;

    /// <summary>Pushes being written now.</summary>
    public int InFlight => Limit - _slots.CurrentCount;

    public async Task<IDisposable> EnterAsync(CancellationToken cancel)
    {
        await _slots.WaitAsync(cancel);
        return new Slot(_slots);
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
