namespace Mesh.Interop.Tests.Infrastructure;

/// <summary>
/// What one test owns: its backends and clients (killed when the test ends, pass or fail) and its
/// log, written both to xunit's output and to the console so measurements show up either way.
/// </summary>
public sealed class TestScope(MeshFixture mesh, ITestOutputHelper output, string name) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    public MeshFixture Mesh { get; } = mesh;

    /// <summary>The test's own host, e.g. echo-weighted.mesh.local.</summary>
    public string Host { get; } = $"echo-{name}.mesh.local";

    public string Target => $"{Host}:{Port}";

    public const int Port = 50051;

    public string ConfigFile { get; } = $"{name}.yaml";

    public string Name { get; } = name;

    public void Log(string line)
    {
        var text = $"[{Name}] {line}";
        output.WriteLine(text);
        Console.WriteLine(text);
    }

    public async Task<BackendProcess> BackendAsync(string name, int failFirst = 0, int delayMs = 0)
    {
        var backend = await BackendProcess.StartAsync(name, failFirst, delayMs: delayMs);
        _owned.Add(backend);
        return backend;
    }

    /// <summary>Writes this test's config file and waits until the silo serves all of its objects.</summary>
    public async Task ApplyAsync(string yaml)
    {
        Mesh.WriteConfig(ConfigFile, yaml);
        var objects = yaml.Split('\n').Count(l => l.StartsWith("kind:", StringComparison.Ordinal));
        await Mesh.WaitForConfigAsync(ConfigFile, objects);
    }

    public async Task<ClientResult> RunClientAsync(ClientRun run, string? label = null)
    {
        var result = await Mesh.RunClientAsync(run, label ?? Name);
        Log($"client: {result}");
        return result;
    }

    public RunningClient StartClient(ClientRun run, string? label = null)
    {
        var client = Mesh.StartClient(run, label ?? Name);
        _owned.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned) await owned.DisposeAsync();
    }
}
