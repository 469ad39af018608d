using Mesh.Registries.Config;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Registries.File;

/// <summary>Options of the YAML directory source.</summary>
public sealed record FileSourceOptions(string Directory, TimeSpan PollInterval)
{
    /// <summary>The directory's name among the <see cref="ConfigAggregator"/>'s sources: its path.</summary>
    public string SourceName => Directory;
}

/// <summary>
/// A watched directory of Istio YAML as a config source of the <see cref="ConfigAggregator"/>,
/// which merges it with the other sources and serves the result. Changes are found by a
/// file-system watcher, with a poll as a safety net for file systems that do not deliver events;
/// either way only files whose content changed are re-read.
/// </summary>
public sealed partial class FileConfigSource(
    FileSourceOptions options,
    ConfigAggregator aggregator,
    TimeProvider time,
    ILogger<FileConfigSource> logger) : BackgroundService
{
    private readonly FileConfigStore _store = new();
    private readonly Dictionary<string, string> _contents = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changed = new(0);
    private bool _reported;

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
            _store.Apply(file, text);
            changed = true;
        }
        if (!changed && _reported) return;
        var config = _store.Snapshot();
        var errors = _store.Errors;
        // The aggregator logs and counts the rejections; this line says what the directory holds.
        LogLoaded(logger, options.Directory, config.All.Count(), errors.Count);
        await aggregator.UpdateAsync(options.SourceName, new ConfigSourceState([.. config.All], errors));
        _reported = true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Config directory {Directory}: {Objects} valid objects, {Rejected} documents rejected")]
    private static partial void LogLoaded(ILogger logger, string directory, int objects, int rejected);

    [LoggerMessage(Level = LogLevel.Information, Message = "Config file {File} removed")]
    private static partial void LogRemoved(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading {File} failed; keeping what it served")]
    private static partial void LogReadFailed(ILogger logger, string file, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Syncing config directory {Directory} failed")]
    private static partial void LogSyncFailed(ILogger logger, string directory, Exception ex);
}
