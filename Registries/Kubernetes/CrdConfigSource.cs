using System.Threading.Channels;
using k8s;
using Mesh.Registries.Config;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mesh.Api.Retry;

namespace Mesh.Registries.Kubernetes;

/// <summary>One Istio kind of the CRD source, for status pages: served by the API server, and its watcher's health.</summary>
public sealed record CrdKindStatus(CrdKind Kind, bool? Installed, WatcherHealth Watcher);

/// <summary>
/// A Kubernetes cluster's Istio CRs (<see cref="IstioCrdKinds"/>) as a config source of the
/// <see cref="ConfigAggregator"/>, beside the YAML directory. One <see cref="ResourceWatcher{T}"/>
/// per kind lists and watches (resourceVersion, bookmarks, relist on 410) through
/// <see cref="CustomResourceSource"/>; one loop owns the <see cref="CrdConfigStore"/>, applies
/// whatever the watchers delivered, and hands the whole state to the aggregator once every kind
/// has been listed, then after each batch that changed something. While the API server is away
/// the store keeps what it had, so everything stays served; the relist that follows replaces each
/// kind's objects, and only what vanished meanwhile is withdrawn.
/// </summary>
public sealed partial class CrdConfigSource : BackgroundService
{
    private readonly ConfigAggregator _aggregator;
    private readonly ILogger<CrdConfigSource> _logger;
    private readonly CrdConfigStore _store;
    private readonly Channel<(CrdKind Kind, ResourceChange<IstioResource> Change)> _changes =
        Channel.CreateUnbounded<(CrdKind, ResourceChange<IstioResource>)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<(CustomResourceSource Source, ResourceWatcher<IstioResource> Watcher)> _kinds = [];
    private readonly HashSet<CrdKind> _listed = [];

    public CrdConfigSource(KubernetesOptions options, IKubernetes client, ConfigAggregator aggregator, TimeProvider time, ILoggerFactory loggers)
    {
        _aggregator = aggregator;
        _logger = loggers.CreateLogger<CrdConfigSource>();
        _store = new CrdConfigStore(options.ClusterId);
        // Shared by the watchers' loops, which run concurrently: only Random.Shared is safe for that.
        var random = Random.Shared;
        foreach (var kind in IstioCrdKinds.All)
        {
            var logger = loggers.CreateLogger($"{typeof(ResourceWatcher<>).Namespace}.ResourceWatcher.{kind.Kind}");
            var source = new CustomResourceSource(kind, client, options.WatchTimeout, options.CrdNotInstalledRetry, random, time, logger);
            var watcher = new ResourceWatcher<IstioResource>(
                source.Source,
                (change, ct) => _changes.Writer.WriteAsync((kind, change), ct),
                new BackoffSequence(options.RetryInitial, options.RetryMax, random),
                time,
                logger);
            _kinds.Add((source, watcher));
        }
    }

    /// <summary>The source's name among the aggregator's sources: "kubernetes://cluster".</summary>
    public static string SourceNameOf(string clusterId) => $"kubernetes://{clusterId}";

    public string SourceName => _store.Prefix;

    public IReadOnlyList<CrdKindStatus> Kinds => [.. _kinds.Select(k => new CrdKindStatus(k.Source.Kind, k.Source.Installed, k.Watcher.Health))];

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var running = _kinds.Select(k => Task.Run(() => k.Watcher.RunAsync(stop), stop)).ToList();
        var reported = false;
        try
        {
            while (await _changes.Reader.WaitToReadAsync(stop))
            {
                var changed = false;
                // Take everything already delivered: a relist of six kinds becomes one update.
                while (_changes.Reader.TryRead(out var item))
                {
                    changed |= _store.Apply(item.Kind, item.Change);
                    if (item.Change.Kind == ResourceChangeKind.Relisted) _listed.Add(item.Kind);
                }
                if (_listed.Count < _kinds.Count || (reported && !changed)) continue;
                var state = _store.Snapshot();
                LogUpdate(_logger, SourceName, state.Objects.Count, state.Rejected.Count);
                await _aggregator.UpdateAsync(SourceName, state, stop);
                reported = true;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            try { await Task.WhenAll(running); } catch (OperationCanceledException) { }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Config from {Source}: {Objects} valid objects, {Rejected} objects rejected")]
    private static partial void LogUpdate(ILogger logger, string source, int objects, int rejected);
}
