using System.Collections.Immutable;
using System.Threading.Channels;
using Mesh.Silo.Push;

namespace Mesh.Silo.Xds;

/// <summary>
/// The one push a stream has yet to handle: the newest snapshot and every name changed since the
/// stream last took one. A stream slow to write (a proxy that does not read) therefore holds one
/// snapshot however many flushes go by, never a queue of them.
/// </summary>
public sealed class PushSlot
{
    private readonly object _gate = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private PushEvent? _pending;

    /// <summary>Called by the hub: replaces the pending push, keeping the union of changed names and the oldest change.</summary>
    public void Offer(PushEvent push)
    {
        lock (_gate) _pending = _pending is null ? push : Merge(_pending, push);
        _wake.Writer.TryWrite(true);
    }

    /// <summary>Completes when a push may be pending; <see cref="TryTake"/> then says whether one is.</summary>
    public Task WaitAsync(CancellationToken cancel) => _wake.Reader.ReadAsync(cancel).AsTask();

    public bool TryTake(out PushEvent push)
    {
        lock (_gate)
        {
            push = _pending!;
            _pending = null;
            return push is not null;
        }
    }

    public static PushEvent Merge(PushEvent older, PushEvent newer)
    {
        var changed = older.Changed.ToBuilder();
        foreach (var (type, names) in newer.Changed)
            changed[type] = changed.TryGetValue(type, out var before) ? before.Union(names) : names;
        return new PushEvent(newer.Snapshot, changed.ToImmutable(),
            older.OldestChange < newer.OldestChange ? older.OldestChange : newer.OldestChange);
    }
}
