using System.Globalization;
using System.Net;

namespace Mesh.XdsLoad;

/// <summary>The silo's admin port: /ready, and the resident memory from /metrics when the silo exports it.</summary>
public sealed class SiloHttp(IPEndPoint endpoint) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://{endpoint}/"), Timeout = TimeSpan.FromSeconds(5) };

    public async Task<bool> ReadyAsync()
    {
        try
        {
            using var response = await _http.GetAsync("ready");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>process_resident_memory_bytes, or null if /metrics is unreachable or does not have it.</summary>
    public async Task<long?> ResidentBytesAsync()
    {
        try
        {
            var text = await _http.GetStringAsync("metrics");
            const string name = "process_resident_memory_bytes ";
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            return line is not null && double.TryParse(line[name.Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var bytes)
                ? (long)bytes : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
