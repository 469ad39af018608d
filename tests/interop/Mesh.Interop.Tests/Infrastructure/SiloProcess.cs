using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Mesh.Interop.Tests.Infrastructure;

/// <summary>The real Mesh silo as a child process, with its admin HTTP port wrapped for the tests.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private readonly ChildProcess _process;
    private readonly HttpClient _http;

    private SiloProcess(ChildProcess process, int xdsPort, int httpPort, string configDir)
    {
        _process = process;
        XdsPort = xdsPort;
        HttpPort = httpPort;
        ConfigDir = configDir;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int XdsPort { get; }

    public int HttpPort { get; }

    public string ConfigDir { get; }

    public ChildProcess Process => _process;

    public static async Task<SiloProcess> StartAsync(string configDir, int debounceQuietMs)
    {
        var dll = Repo.SiloDll;
        if (!File.Exists(dll))
            throw new InvalidOperationException($"silo not built: {dll} is missing (build Silo/Mesh.Silo.csproj -c {Repo.Configuration})");
        var ports = Ports.FreeLoopback(4);
        string[] args =
        [
            dll,
            "--config-dir", configDir,
            "--xds-port", ports[0].ToString(CultureInfo.InvariantCulture),
            "--http-port", ports[1].ToString(CultureInfo.InvariantCulture),
            "--silo-port", ports[2].ToString(CultureInfo.InvariantCulture),
            "--gateway-port", ports[3].ToString(CultureInfo.InvariantCulture),
            "--debounce-quiet-ms", debounceQuietMs.ToString(CultureInfo.InvariantCulture),
        ];
        var env = new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Development", ["ASPNETCORE_ENVIRONMENT"] = "Development" };
        var process = ChildProcess.Start(Repo.DotnetHost(), args, "silo", Path.GetDirectoryName(dll), env);
        var silo = new SiloProcess(process, ports[0], ports[1], configDir);
        try
        {
            await silo.WaitReadyAsync();
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    private async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        var last = "no answer yet";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the silo exited before becoming ready\n{_process.Output()}");
            try
            {
                using var response = await _http.GetAsync("ready");
                if (response.StatusCode == HttpStatusCode.OK) return;
                last = $"{(int)response.StatusCode}: {(await response.Content.ReadAsStringAsync()).Trim()}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the silo was not ready within {ReadyTimeout.TotalSeconds:0}s (last /ready: {last})\n{_process.Output()}");
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    public async Task<string> GetTextAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    /// <summary>This proxy's row of /debug/syncz, or null while the silo does not list it.</summary>
    public async Task<JsonElement?> SyncStatusAsync(string proxyId)
    {
        var all = await GetJsonAsync("debug/syncz");
        foreach (var proxy in all.EnumerateArray())
        {
            if (proxy.TryGetProperty("proxyId", out var id) && id.GetString() == proxyId) return proxy;
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
    }
}
