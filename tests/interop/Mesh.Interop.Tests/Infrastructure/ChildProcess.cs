using System.Diagnostics;
using System.Text;

namespace Mesh.Interop.Tests.Infrastructure;

/// <summary>
/// A child process with stdout/stderr captured line by line and stdin held open as a pipe (the
/// Node tools exit when it closes, so they die with the test host). Disposing kills the whole
/// process tree if it is still running.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int MaxKeptLines = 20_000;
    private readonly Process _process;
    private readonly object _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly List<string> _merged = [];
    private TaskCompletionSource _changed = NewSignal();
    private bool _stdoutDone;
    private bool _stderrDone;

    private ChildProcess(Process process, string label)
    {
        _process = process;
        Label = label;
    }

    public string Label { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(
        string fileName,
        IEnumerable<string> args,
        string label,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, label);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, stderr: false);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, stderr: true);
        try
        {
            if (!process.Start()) throw new InvalidOperationException($"could not start {label}: {fileName}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"could not start {label}: '{fileName}' ({e.Message}); is it installed and on PATH?", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void OnLine(string? line, bool stderr)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (line is null)
            {
                if (stderr) _stderrDone = true; else _stdoutDone = true;
            }
            else
            {
                var list = stderr ? _stderr : _stdout;
                if (list.Count < MaxKeptLines) list.Add(line);
                if (_merged.Count < MaxKeptLines) _merged.Add((stderr ? "[err] " : "[out] ") + line);
            }
            signal = _changed;
            _changed = NewSignal();
        }
        signal.TrySetResult();
    }

    public IReadOnlyList<string> StdoutLines()
    {
        lock (_gate) return [.. _stdout];
    }

    public IReadOnlyList<string> StderrLines()
    {
        lock (_gate) return [.. _stderr];
    }

    /// <summary>Both streams interleaved as received, last <paramref name="maxLines"/> lines, for failure messages.</summary>
    public string Output(int maxLines = 200)
    {
        lock (_gate)
        {
            var skip = Math.Max(0, _merged.Count - maxLines);
            var head = skip > 0 ? $"... ({skip} earlier lines)\n" : "";
            return $"--- {Label} (pid {_process.Id}{(_process.HasExited ? $", exited {_process.ExitCode}" : "")})\n{head}{string.Join('\n', _merged.Skip(skip))}";
        }
    }

    /// <summary>Waits for a line matching <paramref name="match"/>; null if the stream ends or the timeout passes first.</summary>
    public async Task<string?> WaitForLineAsync(Func<string, bool> match, bool stderr, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var found = (stderr ? _stderr : _stdout).FirstOrDefault(match);
                if (found is not null) return found;
                if (stderr ? _stderrDone : _stdoutDone) return null;
                changed = _changed.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    /// <summary>Waits for exit and for both streams to drain; returns the exit code, or kills the tree and throws on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{Label} did not exit within {timeout.TotalSeconds:0}s\n{Output()}");
        }
        return _process.ExitCode;
    }

    public void CloseStdin()
    {
        try { _process.StandardInput.Close(); }
        catch (IOException) { }
        catch (InvalidOperationException) { }
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) { }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
