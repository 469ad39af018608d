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

    /// <summary>
    /// The resident set from /metrics: process_resident_memory_bytes (Prometheus' usual name), else
    /// process_working_set_bytes (prometheus-net's DotNetStats name; the same figure on Linux).
    /// Null if /metrics is unreachable or has neither.
    /// </summary>
    public async Task<(string Metric, long Bytes)?> ResidentBytesAsync()
    {
        try
        {
            var lines = (await _http.GetStringAsync("metrics")).Split('\n');
            foreach (var metric in new[] { "process_resident_memory_bytes", "process_working_set_bytes" })
            {
                var line = lines.FirstOrDefault(l => l.StartsWith(metric + " ", StringComparison.Ordinal));
                if (line is not null && double.TryParse(line[(metric.Length + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var bytes))
                    return (metric, (long)bytes);
            }
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>One unlabelled gauge from /metrics (e.g. prometheus-net's dotnet_total_memory_bytes), or null.</summary>
    public async Task<long?> MetricAsync(string metric)
    {
        try
        {
            var line = (await _http.GetStringAsync("metrics")).Split('\n').FirstOrDefault(l => l.StartsWith(metric + " ", StringComparison.Ordinal));
            return line is not null && double.TryParse(line[(metric.Length + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? (long)value : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
