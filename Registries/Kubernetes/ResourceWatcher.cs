using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Mesh.Api.Retry;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// An informer for one kind: lists, then watches from the list's resourceVersion with bookmarks.
/// A watch that simply ends (the server's timeout) resumes from the last resourceVersion seen,
/// bookmarks included, so nothing is listed again. 410 Gone (an HTTP status, or a watch ERROR event
/// with code 410) means that version was compacted away: list again. Any other failure (the API
/// server unreachable, a broken stream) also ends in a full relist after a jittered back-off,
/// because events may have been missed. The consumer keeps what it had until the relist replaces it.
/// </summary>
public sealed partial class ResourceWatcher<T>(
    ResourceSource<T> source,
    Func<ResourceChange<T>, CancellationToken, ValueTask> consumer,
    BackoffSequence backoff,
    TimeProvider time,
    ILogger logger)
    where T : IKubernetesObject<V1ObjectMeta>
{
    private volatile WatcherHealth _health = new(source.Kind, false, null, null, "");

    public string Kind => source.Kind;

    public WatcherHealth Health => _health;

    public async Task RunAsync(CancellationToken stop)
    {
        var resourceVersion = "";
        var relist = true;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (relist)
                {
                    var list = await source.ListAsync(stop);
                    resourceVersion = list.ResourceVersion;
                    await consumer(ResourceChange<T>.Relisted(list.Items), stop);
                    relist = false;
                    if (_health.Failing) LogRecovered(logger, source.Kind, list.Items.Count, resourceVersion);
                    else LogListed(logger, source.Kind, list.Items.Count, resourceVersion);
                    _health = new WatcherHealth(source.Kind, true, null, null, resourceVersion);
                    backoff.Reset();
                }
                var outcome = new WatchOutcome();
                var opened = time.GetTimestamp();
                var events = 0;
                try
                {
                    await foreach (var (type, obj) in source.WatchAsync(resourceVersion, outcome.OnError, stop))
                    {
                        events++;
                        switch (type)
                        {
                            case WatchEventType.Added or WatchEventType.Modified:
                                await consumer(ResourceChange<T>.Upserted(obj), stop);
                                break;
                            case WatchEventType.Deleted:
                                await consumer(ResourceChange<T>.Deleted(obj), stop);
                                break;
                        }
                        // Bookmarks carry nothing but this: a later point to resume from.
                        if (obj?.Metadata?.ResourceVersion is { Length: > 0 } rv) resourceVersion = rv;
                        _health = _health with { ResourceVersion = resourceVersion };
                    }
                }
                catch (Exception ex) when (EndedEmpty(ex))
                {
                    // Nothing was missed: the watch simply had nothing to say before the server closed it.
                }
                if (outcome.Gone)
                {
                    LogGone(logger, source.Kind, resourceVersion);
                    relist = true;
                    continue;
                }
                if (outcome.Error is { } error) throw new WatchFailedException(error);
                LogWatchEnded(logger, source.Kind, resourceVersion);
                // A server that ends every watch at once would otherwise be asked again in a tight loop.
                if (events == 0 && time.GetElapsedTime(opened) < TimeSpan.FromSeconds(1))
                    await Task.Delay(backoff.Next(), time, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException gone) when (gone.Response?.StatusCode == HttpStatusCode.Gone)
            {
                LogGone(logger, source.Kind, resourceVersion);
                relist = true;
            }
            catch (Exception ex)
            {
                relist = true;
                var error = Describe(ex);
                var since = _health.FailingSince ?? time.GetUtcNow();
                _health = _health with { FailingSince = since, LastError = error };
                var delay = backoff.Next();
                LogFailed(logger, source.Kind, error, (long)delay.TotalMilliseconds);
                try { await Task.Delay(delay, time, stop); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>
    /// The client reads a watch's first line before it hands the stream over, and throws
    /// EndOfStreamException (wrapped by HttpClient) when the body ends before any line: a watch the
    /// server closed cleanly with no event, as it does at the watch's timeout on a quiet kind. A
    /// connection cut mid-body is an HttpIOException instead, which stays a failure.
    /// </summary>
    private static bool EndedEmpty(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
            if (e is EndOfStreamException) return true;
        return false;
    }

    private static string Describe(Exception ex) => ex switch
    {
        WatchFailedException w => Describe(w.InnerException!),
        KubernetesException { Status: { } s } => $"watch error {s.Code} {s.Reason}: {s.Message}",
        HttpOperationException { Response: { } r } => $"HTTP {(int)r.StatusCode} {r.ReasonPhrase}",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };

    /// <summary>Errors the client reports beside the stream: ERROR events (a Status) and undecodable lines.</summary>
    private sealed class WatchOutcome
    {
        public bool Gone { get; private set; }

        public Exception? Error { get; private set; }

        public void OnError(Exception ex)
        {
            if (ex is KubernetesException { Status.Code: 410 }) Gone = true;
            else if (!EndedEmpty(ex)) Error ??= ex;
        }
    }

    private sealed class WatchFailedException(Exception inner) : Exception(inner.Message, inner);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubernetes {Kind}: listed {Count} at resourceVersion {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, string kind, int count, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubernetes {Kind}: API server answers again; relisted {Count} at resourceVersion {ResourceVersion}")]
    private static partial void LogRecovered(ILogger logger, string kind, int count, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubernetes {Kind}: resourceVersion {ResourceVersion} is gone (410); relisting")]
    private static partial void LogGone(ILogger logger, string kind, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kubernetes {Kind}: watch ended; resuming from resourceVersion {ResourceVersion}")]
    private static partial void LogWatchEnded(ILogger logger, string kind, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubernetes {Kind}: list/watch failed ({Error}); keeping last known state, relisting in {DelayMs} ms")]
    private static partial void LogFailed(ILogger logger, string kind, string error, long delayMs);
}
