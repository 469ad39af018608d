using Mesh.Api.Retry;
using System.Threading.Channels;
using Mesh.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Mesh.Silo.Xds;

/// <summary>
/// Records one stream's connection and sync state to its connection grain in the background, in
/// order, so that no grain call ever delays the stream: after a silo dies, calls to grains it held
/// wait until the cluster notices (tens of seconds), and a proxy that moved to this silo must get
/// its config from the local hub at once. Only the newest status per type is kept (a handful of
/// types, so bounded), one call is in flight at a time, and a failed call is retried with whatever
/// is newest by then, on the next record or after a back-off, whichever comes first.
/// After a recorded status the next waits for the interval: a proxy ACKing every push of a churning
/// mesh costs its grain one call per interval, not one per push and one per ACK (at 10,000
/// proxies those calls were a large share of what an edit cost the silo).
/// </summary>
public sealed partial class ConnectionRecorder
{
    // 1 s doubling to 30 s, without jitter: the waits follow the count of consecutive failures.
    private static readonly Backoff Retries = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
    // An ended stream's disconnect is retried for about ten minutes: past that its grain is
    // unreachable for good (its silo is gone), and the directory entry expires without renewals.
    private const int MaxDisconnectFailures = 24;

    private readonly IProxyConnectionGrain _grain;
    private readonly ProxyIdentity _identity;
    private readonly string _logId;
    private readonly IProxyConnectionObserver _stream;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _endedSignal = new();
    private readonly object _gate = new();
    private readonly Dictionary<string, TypeSyncStatus> _pending = new(StringComparer.Ordinal);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private bool _connectTried;
    private bool _connected;
    private bool _ended;

    /// <param name="stopping">The silo is stopping: a failed call is not retried (the stream's grain goes with the silo).</param>
    /// <param name="interval">Least time between two recorded statuses (the disconnect does not wait for it).</param>
    public ConnectionRecorder(IProxyConnectionGrain grain, ProxyIdentity identity, IProxyConnectionObserver stream, TimeProvider time,
        ILogger logger, CancellationToken stopping, TimeSpan interval = default)
    {
        _interval = interval;
        _grain = grain;
        _identity = identity;
        // The connection id carries the proxy's node id, which is the client's text.
        _logId = LogText.Safe(identity.ConnectionId, 300);
        _stream = stream;
        _time = time;
        _logger = logger;
        _stopping = stopping;
        Completion = Task.Run(RunAsync);
    }

    /// <summary>Done once the disconnect is recorded or given up. The stream never waits for it.</summary>
    public Task Completion { get; }

    public void Record(TypeSyncStatus status)
    {
        lock (_gate)
        {
            if (_ended) return;
            _pending[status.TypeUrl] = status;
        }
        _wake.Writer.TryWrite(true);
    }

    public void Ended()
    {
        lock (_gate)
        {
            _ended = true;
            _pending.Clear();
        }
        _endedSignal.Cancel();
        _wake.Writer.TryWrite(true);
    }

    private enum Step { Idle, Connect, Types, Disconnect, Done }

    private async Task RunAsync()
    {
        var failures = 0;
        while (true)
        {
            var (step, batch) = Next();
            if (step == Step.Done) return;
            if (step == Step.Idle)
            {
                await WaitAsync(Timeout.InfiniteTimeSpan);
                continue;
            }
            try
            {
                await (step switch
                {
                    Step.Connect => _grain.ConnectedAsync(_identity, _stream),
                    Step.Types => _grain.RecordTypesAsync(batch),
                    _ => _grain.DisconnectedAsync(),
                });
                if (step == Step.Disconnect) return;
                if (step == Step.Connect) lock (_gate) _connected = true;
                failures = 0;
                if (step == Step.Types && _interval > TimeSpan.Zero) await PauseAsync();
            }
            catch (Exception ex)
            {
                Restore(batch);
                if (failures++ == 0) LogRecordFailed(_logger, _logId, step.ToString(), ex);
                else LogRecordFailedAgain(_logger, _logId, step.ToString(), failures, ex.Message);
                if (_stopping.IsCancellationRequested || (step == Step.Disconnect && failures >= MaxDisconnectFailures))
                {
                    LogGaveUp(_logger, _logId, step.ToString(), failures);
                    return;
                }
                await WaitAsync(Retries.Delay(failures - 1, jitter: 1));
            }
        }
    }

    private (Step, IReadOnlyList<TypeSyncStatus>) Next()
    {
        lock (_gate)
        {
            // The grain learns nothing of a stream whose connect was never attempted: nothing to undo.
            if (_ended) return (_connectTried ? Step.Disconnect : Step.Done, []);
            if (!_connected)
            {
                _connectTried = true;
                return (Step.Connect, []);
            }
            if (_pending.Count == 0) return (Step.Idle, []);
            var batch = _pending.Values.ToList();
            _pending.Clear();
            return (Step.Types, batch);
        }
    }

    /// <summary>Puts back what a failed call carried, unless something newer for the type came meanwhile.</summary>
    private void Restore(IReadOnlyList<TypeSyncStatus> batch)
    {
        lock (_gate)
        {
            if (_ended) return;
            foreach (var status in batch) _pending.TryAdd(status.TypeUrl, status);
        }
    }

    /// <summary>Waits out the interval; only the stream's end cuts it short.</summary>
    private async Task PauseAsync()
    {
        try { await Task.Delay(_interval, _time, _endedSignal.Token); }
        catch (OperationCanceledException) { }
    }

    private async Task WaitAsync(TimeSpan timeout)
    {
        using var timer = new CancellationTokenSource(timeout, _time);
        try
        {
            await _wake.Reader.WaitToReadAsync(timer.Token);
            _wake.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) { }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {ConnectionId}: recording {Step} to its grain failed; the stream is unaffected, retrying")]
    private static partial void LogRecordFailed(ILogger logger, string connectionId, string step, Exception ex);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection {ConnectionId}: recording {Step} failed again ({Failures} in a row): {Error}")]
    private static partial void LogRecordFailedAgain(ILogger logger, string connectionId, string step, int failures, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {ConnectionId}: gave up recording {Step} after {Failures} failures")]
    private static partial void LogGaveUp(ILogger logger, string connectionId, string step, int failures);
}
