using System.Text.Json;

namespace Mesh.Interop.Tests.Infrastructure;

/// <summary>
/// One silo for the whole suite (starting one costs seconds on a small machine). Tests share it
/// by writing their own config file with their own host name (echo-&lt;test&gt;.mesh.local), so
/// nothing one test does is visible to another's client.
/// </summary>
public sealed class MeshFixture : IAsyncLifetime
{
    /// <summary>The silo's push debounce: the default, so the measured edit-to-traffic time is what users get.</summary>
    public const int DebounceQuietMs = 100;

    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "mesh-interop-" + Guid.NewGuid().ToString("N")[..8]);
    private int _clients;
    private SiloProcess? _silo;

    public SiloProcess Silo => _silo ?? throw new InvalidOperationException("the silo is not running");

    public string ConfigDir => Path.Combine(_workDir, "config");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ConfigDir);
        await Repo.EnsureNodeModulesAsync();
        _silo = await SiloProcess.StartAsync(ConfigDir, DebounceQuietMs);
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null) await _silo.DisposeAsync();
        try { Directory.Delete(_workDir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Replaces a config file atomically (written aside, then renamed over), so the watcher never sees half a file.</summary>
    public DateTimeOffset WriteConfig(string fileName, string yaml)
    {
        var path = Path.Combine(ConfigDir, fileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, yaml);
        var at = DateTimeOffset.UtcNow;
        File.Move(temp, path, overwrite: true);
        return at;
    }

    /// <summary>
    /// Waits until /debug/configz serves <paramref name="objects"/> objects from the file; fails at
    /// once, with the silo's reasons, if it rejected anything in it.
    /// </summary>
    public async Task WaitForConfigAsync(string fileName, int objects)
    {
        await Poll.UntilAsync($"{fileName} to be served ({objects} objects)", TimeSpan.FromSeconds(20), async () =>
        {
            var configz = await Silo.GetJsonAsync("debug/configz");
            var rejected = RejectedFor(configz, fileName);
            if (rejected.Count > 0)
                throw new InvalidOperationException($"the silo rejected {fileName}:\n{string.Join('\n', rejected)}");
            var serving = configz.GetProperty("serving").EnumerateArray()
                .Count(o => o.TryGetProperty("file", out var f) && f.ValueKind == JsonValueKind.String && Path.GetFileName(f.GetString()) == fileName);
            return (serving >= objects, serving, $"{serving} objects served from {fileName}");
        });
    }

    /// <summary>The configz "rejected" entries (their text) that came from the file.</summary>
    public static IReadOnlyList<string> RejectedFor(JsonElement configz, string fileName) =>
        [.. configz.GetProperty("rejected").EnumerateArray()
            .Where(r => r.TryGetProperty("file", out var f) && f.ValueKind == JsonValueKind.String && Path.GetFileName(f.GetString()) == fileName)
            .Select(r => r.TryGetProperty("text", out var t) ? t.GetString() ?? r.GetRawText() : r.GetRawText())];

    /// <summary>Starts client.js with a bootstrap of its own (a fresh node id) pointing at the silo.</summary>
    public RunningClient StartClient(ClientRun run, string label)
    {
        var nodeId = $"sidecar~127.0.0.1~{label}-{Interlocked.Increment(ref _clients)}.default~default.svc.cluster.local";
        var bootstrap = Path.Combine(_workDir, $"bootstrap-{label}-{_clients}.json");
        // grpc-js-xds 1.14 refuses a bootstrap whose node has no "locality" (even an empty one).
        var json = JsonSerializer.Serialize(new
        {
            xds_servers = new[]
            {
                new { server_uri = $"127.0.0.1:{Silo.XdsPort}", channel_creds = new[] { new { type = "insecure" } }, server_features = new[] { "xds_v3" } },
            },
            node = new { id = nodeId, locality = new { }, metadata = new Dictionary<string, string> { ["GENERATOR"] = "grpc", ["NAMESPACE"] = "default" } },
        });
        File.WriteAllText(bootstrap, json);
        var env = new Dictionary<string, string> { ["GRPC_XDS_BOOTSTRAP"] = bootstrap };
        var process = ChildProcess.Start("node", [Path.Combine(Repo.NodeToolsDir, "client.js"), .. run.Args()], $"client {label}", Repo.NodeToolsDir, env);
        return new RunningClient(process, nodeId, run);
    }

    /// <summary>Runs client.js to completion and returns its result; fails with its output if it did not finish cleanly.</summary>
    public async Task<ClientResult> RunClientAsync(ClientRun run, string label)
    {
        await using var client = StartClient(run, label);
        var code = await client.Process.WaitForExitAsync(run.Budget());
        if (code != 0) throw new InvalidOperationException($"client.js exited with {code}\n{client.Process.Output()}");
        return await client.ResultAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class MeshCollection : ICollectionFixture<MeshFixture>
{
    public const string Name = "mesh silo";
}
