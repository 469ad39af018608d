using System.Diagnostics;

namespace Mesh.XdsLoad;

/// <summary>
/// One edit in flight: which ClusterLoadAssignment must show which address, when the file was
/// written, and when each client first received it. Clients report from their reader threads.
/// </summary>
public sealed class EditWatch(string cluster, string address, int clients)
{
    private readonly long[] _arrivals = new long[clients];
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining = clients;

    public string Cluster { get; } = cluster;

    public string Address { get; } = address;

    /// <summary>Taken when the watch is created, which is just before the file is written.</summary>
    public long StartedAt { get; } = Stopwatch.GetTimestamp();

    public Task All => _all.Task;

    public int Arrived => _arrivals.Length - Volatile.Read(ref _remaining);

    public void Arrive(int client, long at)
    {
        if (Interlocked.CompareExchange(ref _arrivals[client], at, 0) == 0 && Interlocked.Decrement(ref _remaining) == 0)
            _all.TrySetResult();
    }

    /// <summary>From the write to the first and to the last client's receipt.</summary>
    public (TimeSpan First, TimeSpan Last) Latencies()
    {
        var got = _arrivals.Where(a => a != 0).ToList();
        return (Stopwatch.GetElapsedTime(StartedAt, got.Min()), Stopwatch.GetElapsedTime(StartedAt, got.Max()));
    }
}

/// <summary>The edit clients check their EDS responses against; null between edits.</summary>
public sealed class WatchBoard
{
    private EditWatch? _current;

    public EditWatch? Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }
}
