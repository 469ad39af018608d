namespace Mesh.Registries.Updates;

/// <summary>One caller at a time per key; gates for idle keys are dropped.</summary>
internal sealed class KeyedGate
{
    private readonly Dictionary<string, (SemaphoreSlim Gate, int Users)> _gates = new(StringComparer.Ordinal);

    public async Task<IDisposable> EnterAsync(string key)
    {
        SemaphoreSlim gate;
        lock (_gates)
        {
            var entry = _gates.TryGetValue(key, out var e) ? e : (new SemaphoreSlim(1, 1), 0);
            _gates[key] = (entry.Item1, entry.Item2 + 1);
            gate = entry.Item1;
        }
        try
        {
            await gate.WaitAsync();
        }
        catch
        {
            Leave(key);
            throw;
        }
        return new Exit(this, key, gate);
    }

    private void Leave(string key)
    {
        lock (_gates)
        {
            var (gate, users) = _gates[key];
            if (users == 1) _gates.Remove(key);
            else _gates[key] = (gate, users - 1);
        }
    }

    private sealed class Exit(KeyedGate owner, string key, SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            gate.Release();
            owner.Leave(key);
        }
    }
}
