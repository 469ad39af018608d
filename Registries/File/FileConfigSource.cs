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
/// file-system watcher, with a poll as a safety net for file systems that do not deliver events.
/// An event that names a YAML file re-reads that file only, so an edit costs the same in a
/// directory of ten files or of thousands; anything the events cannot attribute to one file (a
/// directory moved, a mounted ConfigMap's "..data" swap, a lost event) re-reads them all.
/// A file written in place is read once its writer has had a moment to finish; a file renamed into
/// place is complete already, and is read at once.
/// </summary>
public sealed partial class FileConfigSource(
    FileSourceOptions options,
    ConfigAggregator aggregator,
    TimeProvider time,
    ILogger<FileConfigSource> logger) : BackgroundService
{
    /// <summary>How long a file written in place is left to its writer before it is read.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(50);

    private readonly FileConfigStore _store = new();
    private readonly Dictionary<string, string> _contents = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changed = new(0);
    private readonly object _gate = new();
    // Guarded by _gate: what the events since the last sync named, and what they asked for.
    private HashSet<string> _touched = new(StringComparer.Ordinal);
    private bool _rescan = true;
    private bool _settle;
    private bool _reported;
    private long _filesRead;

    /// <summary>Files read since the source started (an edit should cost one, whatever the directory holds).</summary>
    public long FilesRead => Interlocked.Read(ref _filesRead);

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        System.IO.Directory.CreateDirectory(options.Directory);
        using var watcher = new FileSystemWatcher(options.Directory) { IncludeSubdirectories = true, EnableRaisingEvents = true };
        watcher.Changed += (_, e) => Touched(e.FullPath, written: true);
        watcher.Created += (_, e) => Touched(e.FullPath, written: true);
        watcher.Deleted += (_, e) => Touched(e.FullPath, written: false);
        watcher.Renamed += (_, e) =>
        {
            Touched(e.OldFullPath, written: false);
            Touched(e.FullPath, written: false);
        };
        // The watcher's buffer overflowed: events were lost, so nothing can be trusted but a full read.
        watcher.Error += (_, _) => Touched(options.Directory, written: false);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SyncPendingAsync();
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                LogSyncFailed(logger, options.Directory, ex);
            }
            try
            {
                if (!await WaitForChangeAsync(stop))
                    lock (_gate) _rescan = true;
                bool settle;
                lock (_gate) settle = _settle;
                if (!settle) continue;
                // Editors write a file in several steps; let them finish before reading.
                await Task.Delay(Settle, time, stop);
                while (_changed.CurrentCount > 0) await _changed.WaitAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>True when an event came, false when the poll interval passed without one.</summary>
    private async Task<bool> WaitForChangeAsync(CancellationToken stop)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var signalled = _changed.WaitAsync(done.Token);
        var polled = Task.Delay(options.PollInterval, time, done.Token);
        var first = await Task.WhenAny(signalled, polled);
        // Cancel the loser so it cannot swallow a later signal.
        await done.CancelAsync();
        try { await Task.WhenAll(signalled, polled); } catch (OperationCanceledException) { }
        stop.ThrowIfCancellationRequested();
        return first == signalled && signalled.IsCompletedSuccessfully;
    }

    /// <summary>An event on a path: a YAML file is read again alone; what cannot be told apart makes the next sync read everything.</summary>
    private void Touched(string path, bool written)
    {
        var segments = Segments(path);
        lock (_gate)
        {
            // A mounted ConfigMap swaps its "..data" link to change every file at once, atomically.
            if (segments is ["."] || segments.Any(s => s.StartsWith("..", StringComparison.Ordinal)))
                _rescan = true;
            // Editors' swap files and writers' temporary files: never read.
            else if (IsHidden(segments))
                return;
            else if (IsYaml(path))
            {
                _touched.Add(path);
                _settle |= written;
            }
            else
            {
                // A directory (or something else) came, went or moved: what it holds is not named.
                _rescan = true;
                _settle |= written;
            }
        }
        if (_changed.CurrentCount == 0) _changed.Release();
    }

    /// <summary>The path's parts below the watched directory ("." for the directory itself).</summary>
    private string[] Segments(string path) => Path.GetRelativePath(options.Directory, path).Split(Path.DirectorySeparatorChar);

    /// <summary>Under a dot-entry: editors' swap files, writers' temporary files, a mounted ConfigMap's "..data" twin of every file.</summary>
    private static bool IsHidden(string[] segments) => segments.Any(s => s.StartsWith('.'));

    private static bool IsYaml(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    private Task SyncPendingAsync()
    {
        HashSet<string> touched;
        bool rescan;
        lock (_gate)
        {
            (touched, rescan) = (_touched, _rescan);
            _touched = new HashSet<string>(StringComparer.Ordinal);
            _rescan = false;
            _settle = false;
        }
        return rescan ? SyncAsync() : SyncFilesAsync(touched);
    }

    /// <summary>Reads the whole directory once and pushes what changed.</summary>
    private async Task SyncAsync()
    {
        var files = System.IO.Directory.EnumerateFiles(options.Directory, "*.*", SearchOption.AllDirectories)
            .Where(f => IsYaml(f) && !IsHidden(Segments(f)))
            .Order(StringComparer.Ordinal).ToList();
        var changed = false;
        foreach (var gone in _contents.Keys.Except(files).ToList())
            changed |= Forget(gone);
        foreach (var file in files)
            changed |= await ReadAsync(file);
        await ReportAsync(changed);
    }

    /// <summary>Reads only the named files (each a YAML file outside dot-entries): a file that is gone is forgotten.</summary>
    private async Task SyncFilesAsync(IReadOnlyCollection<string> files)
    {
        if (files.Any(System.IO.Directory.Exists))
        {
            await SyncAsync();
            return;
        }
        var changed = false;
        foreach (var file in files.Order(StringComparer.Ordinal))
            changed |= System.IO.File.Exists(file) ? await ReadAsync(file) : Forget(file);
        await ReportAsync(changed);
    }

    private bool Forget(string file)
    {
        if (!_contents.Remove(file)) return false;
        _store.Remove(file);
        LogRemoved(logger, file);
        return true;
    }

    private async Task<bool> ReadAsync(string file)
    {
        string text;
        Interlocked.Increment(ref _filesRead);
        try { text = await System.IO.File.ReadAllTextAsync(file); }
        catch (IOException ex) { LogReadFailed(logger, file, ex); return false; }
        if (_contents.TryGetValue(file, out var old) && old == text) return false;
        _contents[file] = text;
        _store.Apply(file, text);
        return true;
    }

    private async Task ReportAsync(bool changed)
    {
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
