using System.Diagnostics;

namespace Mesh.XdsLoad;

/// <summary>The changes a churn phase made; those not done were not held by every proxy within the timeout.</summary>
public sealed record ChurnResult(IReadOnlyList<Change> Changes, TimeSpan Writing)
{
    public IEnumerable<Change> Converged => Changes.Where(c => c.Done.IsCompleted);

    public int NotConverged => Changes.Count(c => !c.Done.IsCompleted);
}

/// <summary>
/// For the churn period, at fixed rates: move a random host's endpoint 0 to a new address, and
/// rewrite a random host's DestinationRule (a new maxConnections, so its Cluster changes). Changes
/// overlap and the silo coalesces them; a proxy has a change once it holds it or a later change
/// of the same host and kind. Then waits, up to the timeout, until every proxy holds every change.
/// </summary>
public static class ChurnPhase
{
    public static async Task<ChurnResult> RunAsync(LoadOptions o, ConfigFiles files, ChangeTracker tracker, CancellationToken stop)
    {
        var changes = new List<Change>();
        var started = Stopwatch.GetTimestamp();

        async Task Loop(int perSecond, ChangeKind kind, Action<int, int> write)
        {
            if (perSecond == 0) return;
            // Due times from the start, not delays after each write, so a slow write does not lower the rate.
            for (var k = 0L; ; k++)
            {
                var due = TimeSpan.FromSeconds((double)k / perSecond);
                if (due >= o.Churn) return;
                var wait = due - Stopwatch.GetElapsedTime(started);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, stop);
                var host = Random.Shared.Next(o.VisibleHosts);
                var change = tracker.Register(kind, host);
                write(host, change.Seq);
                lock (changes) changes.Add(change);
            }
        }

        // Each loop is the only writer of its kind of file, so a host's changes reach its file in seq order.
        await Task.WhenAll(
            Task.Run(() => Loop(o.EndpointChangesPerSecond, ChangeKind.Endpoint, files.Edit), stop),
            Task.Run(() => Loop(o.ConfigEditsPerSecond, ChangeKind.Config, files.EditConfig), stop));
        var writing = Stopwatch.GetElapsedTime(started);
        var deadline = Stopwatch.GetTimestamp() + (long)(o.Timeout.TotalSeconds * Stopwatch.Frequency);
        while (changes.Any(c => !c.Done.IsCompleted) && Stopwatch.GetTimestamp() < deadline) await Task.Delay(50, stop);
        return new ChurnResult(changes, writing);
    }
}
