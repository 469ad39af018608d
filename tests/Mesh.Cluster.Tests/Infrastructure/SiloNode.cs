using System.Globalization;
using System.Net;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Cluster.Tests.Infrastructure;

/// <summary>One silo process of a cluster, on ports fixed for its life so a restart comes back where it was.</summary>
public sealed class SiloNode : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private readonly string[] _args;
    private readonly HttpClient _http;
    private ChildProcess? _process;

    /// <summary>Ports a silo listens on: xDS, HTTP, silo, gateway.</summary>
    public const int PortCount = 4;

    public SiloNode(string name, string configDir, IEnumerable<string> clusteringArgs, int[] p)
    {
        Name = name;
        (XdsPort, HttpPort, SiloPort, GatewayPort) = (p[0], p[1], p[2], p[3]);
        _args =
        [
            Repo.SiloDll,
            "--config-dir", configDir,
            "--xds-port", Str(XdsPort), "--http-port", Str(HttpPort), "--silo-port", Str(SiloPort), "--gateway-port", Str(GatewayPort),
            .. clusteringArgs,
        ];
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);

    public string Name { get; }
    public int XdsPort { get; }
    public int HttpPort { get; }
    public int SiloPort { get; }
    public int GatewayPort { get; }

    public bool Running => _process is { HasExited: false };

    public bool Exited => _process is { HasExited: true };

    public string Output() => _process?.Output() ?? $"--- {Name}: not started";

    public void Start()
    {
        if (!File.Exists(Repo.SiloDll)) throw new InvalidOperationException($"silo not built: {Repo.SiloDll}");
        _process = ChildProcess.Start(Repo.Dotnet, _args, Name, new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Development" });
    }

    public async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        var last = "no answer yet";
        while (DateTime.UtcNow < deadline)
        {
            if (_process is null || _process.HasExited) throw new InvalidOperationException($"{Name} exited before becoming ready\n{Output()}");
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
            await Task.Delay(100);
        }
        throw new TimeoutException($"{Name} was not ready within {ReadyTimeout.TotalSeconds:0} s (last /ready: {last})\n{Output()}");
    }

    /// <summary>SIGKILL, as a crash or a lost machine: the cluster learns of it only by probing.</summary>
    public Task KillAsync() => _process?.KillAsync() ?? Task.CompletedTask;

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{Name} GET {path}: {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_process is not null) await _process.DisposeAsync();
    }
}
