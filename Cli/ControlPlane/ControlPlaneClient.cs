using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesh.Cli.ControlPlane;

/// <summary>Reads the control plane's HTTP port (15014): /version, /debug/syncz, /debug/config_dump.</summary>
public sealed class ControlPlaneClient(HttpClient http)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<string> VersionAsync(CancellationToken cancel)
    {
        var json = await GetJsonAsync("/version", cancel);
        return json?["version"]?.GetValue<string>() ?? "unknown";
    }

    public async Task<IReadOnlyList<SyncRow>> SyncAsync(CancellationToken cancel)
    {
        using var response = await http.GetAsync("/debug/syncz", cancel);
        await EnsureOkAsync(response, "/debug/syncz", cancel);
        return await response.Content.ReadFromJsonAsync<List<SyncRow>>(Json, cancel) ?? [];
    }

    /// <summary>The config dump of a connection (by its id, or a proxy id), or null when the control plane does not know it.</summary>
    public async Task<JsonNode?> ConfigDumpAsync(string proxyId, CancellationToken cancel)
    {
        using var response = await http.GetAsync($"/debug/config_dump?proxy={Uri.EscapeDataString(proxyId)}", cancel);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureOkAsync(response, "/debug/config_dump", cancel);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancel));
    }

    /// <summary>A bootstrap token for VMs joining a WorkloadGroup (POST /debug/workload-token).</summary>
    public async Task<WorkloadToken> IssueWorkloadTokenAsync(string ns, string group, TimeSpan ttl, CancellationToken cancel)
    {
        var path = $"/debug/workload-token?namespace={Uri.EscapeDataString(ns)}&group={Uri.EscapeDataString(group)}&ttlSeconds={(long)ttl.TotalSeconds}";
        using var response = await http.PostAsync(path, content: null, cancel);
        await EnsureOkAsync(response, "/debug/workload-token", cancel);
        return await response.Content.ReadFromJsonAsync<WorkloadToken>(Json, cancel)
            ?? throw new ControlPlaneException("/debug/workload-token answered an empty body");
    }

    private async Task<JsonNode?> GetJsonAsync(string path, CancellationToken cancel)
    {
        using var response = await http.GetAsync(path, cancel);
        await EnsureOkAsync(response, path, cancel);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancel));
    }

    private static async Task EnsureOkAsync(HttpResponseMessage response, string path, CancellationToken cancel)
    {
        if (response.IsSuccessStatusCode) return;
        var body = (await response.Content.ReadAsStringAsync(cancel)).Trim();
        throw new ControlPlaneException($"{path} answered {(int)response.StatusCode}: {body}");
    }
}

public sealed class ControlPlaneException(string message) : Exception(message);

/// <summary>The answer of /debug/workload-token; RootCertificate is null while the control plane has no CA.</summary>
public sealed record WorkloadToken(string Token, DateTimeOffset ExpiresAt, string Namespace, string Group, string? RootCertificate);

/// <summary>A row of /debug/syncz: one connection (a proxy id may have several).</summary>
public sealed record SyncRow(
    string ProxyId, string ConnectionId, string Silo, string? Namespace, string Protocol, bool Connected, DateTimeOffset ConnectedAt, IReadOnlyList<SyncType> Types);

public sealed record SyncType(
    string Type, string TypeUrl, string Status, string? VersionSent, string? VersionAcked, IReadOnlyList<string> Resources,
    bool Wildcard, string? NackMessage, string? NackVersion, DateTimeOffset? NackAt);
