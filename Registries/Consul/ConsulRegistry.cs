using System.Threading.Channels;
using Mesh.Api.Model;
using Mesh.Registries.Registry;
using Mesh.Registries.Updates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mesh.Api.Retry;

namespace Mesh.Registries.Consul;

/// <summary>
/// One Consul datacenter as a registry shard ("Consul", datacenter). Like a Kubernetes informer it
/// lists, then watches: a plain read of the catalog and of every service's health, published as the
/// shard's whole state; then a blocking query on the catalog (services appear and go) and one per
/// service on its health. Any failed read ends the watches: the shard keeps serving what it last
/// published, says Disconnected, and lists again after a jittered back-off, so what comes back is
/// compared with what is served and only real differences are sent.
/// </summary>
public sealed partial class ConsulRegistry : BackgroundService, IServiceRegistry
{
    /// <summary>The shard's cluster name when no datacenter is named: the agent's own.</summary>
    public const string LocalDatacenter = "local";

    private readonly ConsulClient _client;
    private readonly string? _datacenter;
    private readonly ConsulOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ConsulRegistry> _logger;
    private readonly Random _random;
    private readonly ShardPublisher _publisher;
    private volatile RegistryStatus _status;

    /// <param name="datacenter">Null reads the agent's own datacenter (no ?dc=).</param>
    public ConsulRegistry(ConsulClient client, string? datacenter, ConsulOptions options, IMeshUpdater updater,
        TimeProvider time, ILogger<ConsulRegistry> logger, Random? random = null)
    {
        _client = client;
        _datacenter = datacenter;
        _options = options;
        _time = time;
        _logger = logger;
        _random = random ?? Random.Shared;
        Shard = new ShardKey("Consul", datacenter ?? LocalDatacenter);
        _publisher = new ShardPublisher(Shard, updater) { Filter = new RegistryObjectFilter(Shard, logger, time) };
        _status = RegistryStatus.Initial(Shard);
    }

    public ShardKey Shard { get; }

    public RegistryStatus Status => _status with { Dropped = _publisher.Filter.Dropped };

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var backoff = new BackoffSequence(_options.RetryMin, _options.RetryMax, _random);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var listed = await ListAsync(stop);
                var changes = await _publisher.PublishAllAsync(Translate(listed.Health));
                backoff.Reset();
                MarkSynced();
                LogSynced(_logger, Shard.Cluster, _publisher.Hosts, _publisher.Endpoints, changes);
                await WatchAsync(listed, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                // Anything else failing (the mesh refusing an update) is retried the same way: a fresh listing.
                if (ex is not ConsulException) LogFailed(_logger, Shard.Cluster, ex);
                MarkDisconnected(ex.Message);
                var pause = backoff.Next();
                LogDisconnected(_logger, Shard.Cluster, ex.Message, (long)pause.TotalMilliseconds);
                try { await Task.Delay(pause, _time, stop); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private sealed record Listing(
        ulong CatalogIndex,
        Dictionary<string, IReadOnlyList<ConsulHealthEntry>> Health,
        Dictionary<string, ulong> HealthIndex);

    /// <summary>The datacenter's whole state, read without blocking.</summary>
    private async Task<Listing> ListAsync(CancellationToken stop)
    {
        var catalog = await _client.CatalogServicesAsync(_datacenter, ConsulQuery.Now, stop);
        var health = new Dictionary<string, IReadOnlyList<ConsulHealthEntry>>(StringComparer.Ordinal);
        var indexes = new Dictionary<string, ulong>(StringComparer.Ordinal);
        // A few at a time: a datacenter of hundreds of services must not open hundreds of connections at once.
        using var gate = new SemaphoreSlim(8);
        var reads = catalog.Value.Keys.Select(async name =>
        {
            await gate.WaitAsync(stop);
            try { return (Name: name, Response: await _client.HealthServiceAsync(name, _datacenter, ConsulQuery.Now, stop)); }
            finally { gate.Release(); }
        }).ToList();
        foreach (var (name, response) in await Task.WhenAll(reads))
        {
            health[name] = response.Value;
            indexes[name] = response.Index;
        }
        return new Listing(catalog.Index, health, indexes);
    }

    private Dictionary<string, (MeshService Service, IReadOnlyList<MeshEndpoint> Endpoints)> Translate(
        Dictionary<string, IReadOnlyList<ConsulHealthEntry>> health)
    {
        var hosts = new Dictionary<string, (MeshService, IReadOnlyList<MeshEndpoint>)>(StringComparer.Ordinal);
        foreach (var (name, entries) in health)
            if (ConsulTranslator.Translate(name, entries, _datacenter, _options) is { } translated)
                hosts[translated.Service.Host] = translated;
        return hosts;
    }

    private abstract record WatchEvent;

    private sealed record CatalogChanged(IReadOnlyCollection<string> Services) : WatchEvent;

    private sealed record HealthChanged(string Service, long Watch, IReadOnlyList<ConsulHealthEntry> Entries) : WatchEvent;

    private sealed record WatchFailed(ConsulException Error) : WatchEvent;

    /// <summary>Follows the datacenter from the listing's indexes; returns only by throwing (a failed read, or stop).</summary>
    private async Task WatchAsync(Listing listed, CancellationToken stop)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var events = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });
        var tasks = new List<Task>();
        var health = new Dictionary<string, (long Id, CancellationTokenSource Cancel)>(StringComparer.Ordinal);
        long nextId = 0;

        void StartHealth(string name, ulong index)
        {
            var id = ++nextId;
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(watching.Token);
            health[name] = (id, cancel);
            var query = new BlockingQuery<IReadOnlyList<ConsulHealthEntry>>(
                (q, c) => _client.HealthServiceAsync(name, _datacenter, q, c), index, _options, _time, _random);
            tasks.Add(Watch(query, r => new HealthChanged(name, id, r), events.Writer, _options.Address, cancel.Token));
        }

        var catalog = new BlockingQuery<IReadOnlyDictionary<string, IReadOnlyList<string>>>(
            (q, c) => _client.CatalogServicesAsync(_datacenter, q, c), listed.CatalogIndex, _options, _time, _random);
        tasks.Add(Watch(catalog, r => new CatalogChanged(r.Keys.ToList()), events.Writer, _options.Address, watching.Token));
        foreach (var (name, index) in listed.HealthIndex) StartHealth(name, index);

        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(stop))
            {
                switch (e)
                {
                    case WatchFailed failed:
                        throw failed.Error;
                    case CatalogChanged changed:
                        foreach (var name in changed.Services.Where(s => !health.ContainsKey(s)).Order(StringComparer.Ordinal))
                        {
                            LogServiceAdded(_logger, Shard.Cluster, name);
                            // Index 0: its first answer, at once, is the service's current instances.
                            StartHealth(name, 0);
                        }
                        foreach (var name in health.Keys.Except(changed.Services).ToList())
                        {
                            LogServiceRemoved(_logger, Shard.Cluster, name);
                            await health[name].Cancel.CancelAsync();
                            health[name].Cancel.Dispose();
                            health.Remove(name);
                            // Nothing for the host, said through PublishAsync so the filter forgets what it dropped of it too.
                            await _publisher.PublishAsync(ConsulTranslator.Host(name, _options), null, []);
                        }
                        break;
                    case HealthChanged changed:
                        // A watch cancelled after it read (its service left the catalog, maybe came back) speaks for nothing.
                        if (!health.TryGetValue(changed.Service, out var current) || current.Id != changed.Watch) break;
                        if (ConsulTranslator.Translate(changed.Service, changed.Entries, _datacenter, _options) is { } translated)
                            await _publisher.PublishAsync(translated.Service.Host, translated.Service, translated.Endpoints);
                        else
                            await _publisher.PublishAsync(ConsulTranslator.Host(changed.Service, _options), null, []);
                        break;
                }
                MarkSynced();
            }
        }
        finally
        {
            await watching.CancelAsync();
            try { await Task.WhenAll(tasks); } catch (OperationCanceledException) { }
            foreach (var (_, cancel) in health.Values) cancel.Dispose();
        }
    }

    /// <param name="address">Named in the error: a socket error that comes mid-query (the agent went away) does not say which Consul.</param>
    private static async Task Watch<T>(BlockingQuery<T> query, Func<T, WatchEvent> toEvent, ChannelWriter<WatchEvent> events, Uri address,
        CancellationToken cancel)
    {
        try
        {
            while (true)
            {
                var response = await query.NextAsync(cancel);
                await events.WriteAsync(toEvent(response.Value), cancel);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
        catch (ConsulException ex)
        {
            events.TryWrite(new WatchFailed(ex));
        }
        catch (Exception ex) when (!cancel.IsCancellationRequested)
        {
            events.TryWrite(new WatchFailed(new ConsulException($"a Consul watch on {address} failed: {ex.Message}", ex)));
        }
    }

    private void MarkSynced() =>
        _status = new RegistryStatus(Shard, RegistryState.Synced, _time.GetUtcNow(), null, null, _publisher.Hosts, _publisher.Endpoints);

    private void MarkDisconnected(string error)
    {
        var s = _status;
        _status = s with
        {
            State = RegistryState.Disconnected,
            DisconnectedSince = s.DisconnectedSince ?? _time.GetUtcNow(),
            LastError = error,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consul {Datacenter}: synced, serving {Hosts} services, {Endpoints} endpoints ({Changes} changed)")]
    private static partial void LogSynced(ILogger logger, string datacenter, int hosts, int endpoints, int changes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consul {Datacenter}: {Error}; keeping what it served, listing again in {RetryMs} ms")]
    private static partial void LogDisconnected(ILogger logger, string datacenter, string error, long retryMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Consul {Datacenter}: sync failed")]
    private static partial void LogFailed(ILogger logger, string datacenter, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consul {Datacenter}: service {Service} appeared")]
    private static partial void LogServiceAdded(ILogger logger, string datacenter, string service);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consul {Datacenter}: service {Service} left the catalog")]
    private static partial void LogServiceRemoved(ILogger logger, string datacenter, string service);
}
