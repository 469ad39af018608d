using System.Diagnostics;

namespace Mesh.XdsLoad;

/// <summary>What a change alters in the proxies: a host's ClusterLoadAssignment (EDS) or its Cluster (CDS).</summary>
public enum ChangeKind
{
    Endpoint = 0,
    Config = 1,
}

/// <summary>
/// One change in flight: written at StartedAt, done when every proxy has ACKed a response holding
/// it (or a later change of the same host and kind). Mutated only under its host's lock.
/// </summary>
public sealed class Change(ChangeKind kind, int host, int seq, int proxies)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChangeKind Kind { get; } = kind;

    public int Host { get; } = host;

    public int Seq { get; } = seq;

    /// <summary>Taken when the change is registered, which is just before the file is written.</summary>
    public long StartedAt { get; } = Stopwatch.GetTimestamp();

    public int Remaining { get; private set; } = proxies;

    public long FirstAck { get; private set; }

    public long LastAck { get; private set; }

    public long LastReceived { get; private set; }

    public Task Done => _done.Task;

    internal void Arrive(long received, long acked)
    {
        if (FirstAck == 0 || acked < FirstAck) FirstAck = acked;
        LastAck = Math.Max(LastAck, acked);
        LastReceived = Math.Max(LastReceived, received);
        if (--Remaining == 0) _done.TrySetResult();
    }

    public TimeSpan ToFirstAck => Stopwatch.GetElapsedTime(StartedAt, FirstAck);

    public TimeSpan ToLastAck => Stopwatch.GetElapsedTime(StartedAt, LastAck);

    public TimeSpan ToLastReceipt => Stopwatch.GetElapsedTime(StartedAt, LastReceived);
}

/// <summary>
/// The changes not yet held by every proxy, per host and kind. A proxy reports each rise of its
/// sequence number for a host once, after ACKing it, and that covers every open change up to the
/// new number: the cost is one visit per (proxy, change), never a scan of all proxies.
/// </summary>
public sealed class ChangeTracker(int hosts, int proxies)
{
    private readonly List<Change>[] _open = [.. Enumerable.Range(0, hosts * 2).Select(_ => new List<Change>())];
    private int _lastSeq;

    /// <summary>
    /// A new change of the host, with the next sequence number of the run; call just before writing
    /// the file. One writer per host and kind at a time, so a host's changes are written in seq order.
    /// </summary>
    public Change Register(ChangeKind kind, int host)
    {
        var change = new Change(kind, host, Interlocked.Increment(ref _lastSeq), proxies);
        var open = _open[Slot(kind, host)];
        lock (open) open.Add(change);
        return change;
    }

    /// <summary>A proxy went from holding change <paramref name="from"/> of the host to <paramref name="to"/>, received and ACKed at the times given.</summary>
    public void Acked(ChangeKind kind, int host, int from, int to, long received, long acked)
    {
        var open = _open[Slot(kind, host)];
        lock (open)
        {
            var closed = false;
            foreach (var change in open)
            {
                if (change.Seq <= from || change.Seq > to) continue;
                change.Arrive(received, acked);
                closed |= change.Remaining == 0;
            }
            if (closed) open.RemoveAll(c => c.Remaining == 0);
        }
    }

    private static int Slot(ChangeKind kind, int host) => host * 2 + (int)kind;
}
