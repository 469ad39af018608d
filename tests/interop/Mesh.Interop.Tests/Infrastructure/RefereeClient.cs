using System.Globalization;
using System.Text.Json;

namespace Mesh.Interop.Tests.Infrastructure;

/// <summary>One run of node/client.js (the @grpc/grpc-js-xds referee). Mirrors its flags.</summary>
public sealed record ClientRun(string Target)
{
    public int Calls { get; init; } = 100;

    public int Concurrency { get; init; } = 1;

    public int DeadlineMs { get; init; } = 5000;

    /// <summary>Channel-level wait for READY before the first call; 0 skips it.</summary>
    public int ReadyTimeoutMs { get; init; } = 15000;

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>"x-user=20": call i sends x-user: u(i % 20); the result then has PerValue.</summary>
    public string? CycleHeader { get; init; }

    /// <summary>"backend=v2,fraction=0.95,window=50": call until the condition holds (see client.js).</summary>
    public string? Until { get; init; }

    public int TimeoutS { get; init; } = 30;

    public int IntervalMs { get; init; } = 5;

    public int Baseline { get; init; } = 20;

    /// <summary>Keep the process and its ADS stream alive this long after printing (or until stdin closes).</summary>
    public int HoldS { get; init; }

    public IEnumerable<string> Args()
    {
        static string S(int n) => n.ToString(CultureInfo.InvariantCulture);
        yield return "--target"; yield return Target;
        yield return "--calls"; yield return S(Calls);
        yield return "--concurrency"; yield return S(Concurrency);
        yield return "--deadline-ms"; yield return S(DeadlineMs);
        yield return "--ready-timeout-ms"; yield return S(ReadyTimeoutMs);
        foreach (var (k, v) in Headers)
        {
            yield return "--header"; yield return $"{k}={v}";
        }
        if (CycleHeader is not null)
        {
            yield return "--cycle-header"; yield return CycleHeader;
        }
        if (Until is not null)
        {
            yield return "--until"; yield return Until;
            yield return "--timeout-s"; yield return S(TimeoutS);
            yield return "--interval-ms"; yield return S(IntervalMs);
            yield return "--baseline"; yield return S(Baseline);
        }
        yield return "--hold-s"; yield return S(HoldS);
    }

    /// <summary>How long the whole run may take before the harness gives up on it.</summary>
    public TimeSpan Budget() =>
        TimeSpan.FromMilliseconds(ReadyTimeoutMs)
        + (Until is not null ? TimeSpan.FromSeconds(TimeoutS + 10) : TimeSpan.FromMilliseconds((double)DeadlineMs * Math.Ceiling((double)Calls / Concurrency)))
        + TimeSpan.FromSeconds(HoldS + 20);
}

/// <summary>The one JSON line client.js prints.</summary>
public sealed class ClientResult
{
    public ClientResult(JsonElement json, string nodeId)
    {
        Json = json;
        NodeId = nodeId;
        Ready = json.GetProperty("ready").ValueKind == JsonValueKind.True;
        Calls = json.GetProperty("calls").GetInt32();
        Ok = json.GetProperty("ok").GetInt32();
        Failed = json.GetProperty("failed").GetInt32();
        Backends = Counts(json.GetProperty("backends"));
        Errors = Counts(json.GetProperty("errors"));
        var latency = json.GetProperty("latencyMs");
        LatencyMs = latency.ValueKind == JsonValueKind.Object
            ? latency.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number).ToDictionary(p => p.Name, p => p.Value.GetDouble())
            : [];
        PerValue = json.TryGetProperty("perValue", out var pv)
            ? pv.EnumerateObject().ToDictionary(p => p.Name, p => Counts(p.Value))
            : [];
    }

    public JsonElement Json { get; }

    public string NodeId { get; }

    /// <summary>The channel reached READY before the calls (false also when the wait was skipped).</summary>
    public bool Ready { get; }

    public int Calls { get; }

    public int Ok { get; }

    public int Failed { get; }

    public IReadOnlyDictionary<string, int> Backends { get; }

    public IReadOnlyDictionary<string, int> Errors { get; }

    public IReadOnlyDictionary<string, double> LatencyMs { get; }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> PerValue { get; }

    public int BackendCount(string name) => Backends.TryGetValue(name, out var n) ? n : 0;

    public int ErrorCount(string code) => Errors.TryGetValue(code, out var n) ? n : 0;

    public string ErrorSamples => Json.TryGetProperty("errorSamples", out var s) ? s.GetRawText() : "[]";

    public override string ToString() => Json.GetRawText();

    private static IReadOnlyDictionary<string, int> Counts(JsonElement e) =>
        e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
}

/// <summary>A client.js still running (until-mode or holding its stream open).</summary>
public sealed class RunningClient(ChildProcess process, string nodeId, ClientRun run) : IAsyncDisposable
{
    public ChildProcess Process { get; } = process;

    public string NodeId { get; } = nodeId;

    /// <summary>Waits for the "BASELINE {...}" line (until-mode); returns the baseline counts JSON.</summary>
    public async Task<JsonElement> WaitForBaselineAsync(TimeSpan timeout)
    {
        var line = await Process.WaitForLineAsync(l => l.StartsWith("BASELINE ", StringComparison.Ordinal), stderr: true, timeout)
            ?? throw new TimeoutException($"client never reported its baseline within {timeout.TotalSeconds:0}s\n{Process.Output()}");
        using var doc = JsonDocument.Parse(line["BASELINE ".Length..]);
        return doc.RootElement.Clone();
    }

    /// <summary>Waits for the JSON result line (the process may keep running with --hold-s).</summary>
    public async Task<ClientResult> ResultAsync()
    {
        var line = await Process.WaitForLineAsync(l => l.StartsWith('{'), stderr: false, run.Budget());
        if (line is null)
            throw new InvalidOperationException($"client.js printed no result\n{Process.Output()}");
        using var doc = JsonDocument.Parse(line);
        return new ClientResult(doc.RootElement.Clone(), NodeId);
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
