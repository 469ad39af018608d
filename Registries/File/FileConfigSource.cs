using Mesh.Api.Model;
using Mesh.Registries.Config;
using Mesh.Registries.Registry;
using Mesh.Registries.Updates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Registries.File;

/// <summary>Options of the YAML directory source.</summary>
public sealed record FileSourceOptions(string Directory, TimeSpan PollInterval)
{
    public static readonly ShardKey Shard = new("ServiceEntry", "config");
}

/// <summary>
/// A watched directory of Istio YAML as a config source and a registry (its ServiceEntries and
/// WorkloadEntries). Changes are found by a file-system watcher, with a poll as a safety net for
/// file systems that do not deliver events; either way only files whose content changed are re-read.
/// </summary>
public sealed partial class FileConfigSource(
    FileSourceOptions options,
    IMeshUpdater updater,
    ConfigFeed feed,
    TimeProvider time,
    ILogger<FileConfigSource> logger) : BackgroundService, IServiceRegistry
{
    private readonly FileConfigStore _store = new();
    private readonly Dictionary<string, string> _contents = new(StringComparer.Ordinal);
    private readonly ShardPublisher _publisher = new(FileSourceOptions.Shard, updater);

    public ShardKey Shard => FileSourceOptions.Shard;

    // A directory never goes away the way a remote source does: it is synced whenever it was read.
    RegistryStatus IServiceRegistry.Status => Status.Loaded
        ? new RegistryStatus(Shard, RegistryState.Synced, Status.LoadedAt, null, null, _publisher.Hosts, _publisher.Endpoints)
        : RegistryStatus.Initial(Shard);
    private readonly SemaphoreSlim _changed = new(0);

    public ConfigStatus Status { get; private set; } = ConfigStatus.NotLoaded;

    /// <summary>The valid config being served (WorkloadGroups for auto-registration, among others).</summary>
    public MeshConfig Config { get; private set; } = MeshConfig.Empty;

    /// <summary>Raised with each rejected document's errors, for metrics.</summary>
    public event Action<IReadOnlyList<Mesh.Api.Yaml.ConfigError>>? Rejected;

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        System.IO.Directory.CreateDirectory(options.Directory);
        using var watcher = new FileSystemWatcher(options.Directory) { IncludeSubdirectories = true, EnableRaisingEvents = true };
        FileSystemEventHandler onChange = (_, _) => Signal();
        watcher.Changed += onChange;
        watcher.Created += onChange;
        watcher.Deleted += onChange;
        watcher.Renamed += (_, _) => Signal();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SyncAsync();
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                LogSyncFailed(logger, options.Directory, ex);
            }
            try
            {
                await WaitForChangeAsync(stop);
                // Editors write a file in several steps; let them finish before reading.
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, stop);
                while (_changed.CurrentCount > 0) await _changed.WaitAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WaitForChangeAsync(CancellationToken stop)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var signalled = _changed.WaitAsync(done.Token);
        var polled = Task.Delay(options.PollInterval, time, done.Token);
        await Task.WhenAny(signalled, polled);
        // Cancel the loser so it cannot swallow a later signal.
        await done.CancelAsync();
        try { await Task.WhenAll(signalled, polled); } catch (OperationCanceledException) { }
        stop.ThrowIfCancellationRequested();
    }

    private void Signal()
    {
        if (_changed.CurrentCount == 0) _changed.Release();
    }

    /// <summary>Reads the directory once and pushes what changed. Public so tests can drive it directly.</summary>
    public async Task SyncAsync()
    {
        var files = System.IO.Directory.EnumerateFiles(options.Directory, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            // Dot-entries: editors' swap files, and a mounted ConfigMap's "..data" twin of every file.
            .Where(f => !Path.GetRelativePath(options.Directory, f).Split(Path.DirectorySeparatorChar).Any(s => s.StartsWith('.')))
            .Order(StringComparer.Ordinal).ToList();
        var changed = false;
        foreach (var gone in _contents.Keys.Except(files).ToList())
        {
            _contents.Remove(gone);
            _store.Remove(gone);
            LogRemoved(logger, gone);
            changed = true;
        }
        foreach (var file in files)
        {
            string text;
            try { text = await System.IO.File.ReadAllTextAsync(file); }
            catch (IOException ex) { LogReadFailed(logger, file, ex); continue; }
            if (_contents.TryGetValue(file, out var old) && old == text) continue;
            _contents[file] = text;
            var errors = _store.Apply(file, text);
            foreach (var error in errors) LogRejected(logger, error.ToString());
            if (errors.Count > 0) Rejected?.Invoke(errors);
            changed = true;
        }
        if (!changed && Status.Loaded) return;
        var config = _store.Snapshot();
        Config = config;
        await PushAsync(config);
        Status = new ConfigStatus(true, time.GetUtcNow(), [.. config.All.Select(o => o.Meta)], _store.Errors);
        LogLoaded(logger, options.Directory, Status.Serving.Count, Status.Rejected.Count);
    }

    private async Task PushAsync(MeshConfig config)
    {
        // Routing config first: a host that appears in the same change then derives its routes
        // and clusters with its VirtualService and DestinationRule already in place.
        await updater.ConfigChangedAsync(config);
        await _publisher.PublishAllAsync(ServiceEntryTranslator.Translate(config));
        feed.Publish(config);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Config rejected: {Error}")]
    private static partial void LogRejected(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Config from {Directory}: serving {Objects} objects, {Rejected} documents rejected")]
    private static partial void LogLoaded(ILogger logger, string directory, int objects, int rejected);

    [LoggerMessage(Level = LogLevel.Information, Message = "Config file {File} removed")]
    private static partial void LogRemoved(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading {File} failed; keeping what it served")]
    private static partial void LogReadFailed(ILogger logger, string file, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Syncing config directory {Directory} failed")]
    private static partial void LogSyncFailed(ILogger logger, string directory, Exception ex);
}
