namespace Mesh.SidecarBench;

/// <summary>Peak VmRSS and PSS of some processes, sampled every 250 ms while a run lasts.</summary>
public sealed class MemorySampler : IDisposable
{
    private readonly IReadOnlyList<ChildProcess> _processes;
    private readonly Dictionary<string, (long Rss, long Pss)> _peak = new(StringComparer.Ordinal);
    private readonly Timer _timer;

    public MemorySampler(IReadOnlyList<ChildProcess> processes)
    {
        _processes = processes;
        _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
    }

    /// <summary>Peaks by process name, including one last sample taken now.</summary>
    public IReadOnlyDictionary<string, (long Rss, long Pss)> Peaks()
    {
        Sample();
        lock (_peak) return new Dictionary<string, (long, long)>(_peak, StringComparer.Ordinal);
    }

    public void Dispose() => _timer.Dispose();

    private void Sample()
    {
        foreach (var p in _processes)
        {
            var (rss, pss) = (p.Rss(), p.Pss());
            lock (_peak)
            {
                var old = _peak.GetValueOrDefault(p.Name);
                _peak[p.Name] = (Math.Max(old.Rss, rss), Math.Max(old.Pss, pss));
            }
        }
    }
}
