using System.Net;
using System.Text.Json.Nodes;

namespace Mesh.Silo.Tests.Admin;

/// <summary>
/// Polls the silo's debug pages until they show a condition: a stream records its connection in
/// the background, so a page may lag its first response by a moment.
/// </summary>
internal static class DebugPages
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static async Task<JsonNode> ConfigDumpAsync(HttpClient http, string id, Func<JsonNode, bool> condition, string because)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            using var response = await http.GetAsync($"/debug/config_dump?proxy={Uri.EscapeDataString(id)}");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK && JsonNode.Parse(body) is { } dump && condition(dump)) return dump;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"config_dump?proxy={id} within {Deadline.TotalSeconds} s: expected {because}; last: {(int)response.StatusCode} {body}");
            await Task.Delay(50);
        }
    }

    public static async Task<JsonArray> SynczAsync(HttpClient http, Func<JsonArray, bool> condition, string because)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var body = await http.GetStringAsync("/debug/syncz");
            var rows = JsonNode.Parse(body)!.AsArray();
            if (condition(rows)) return rows;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"syncz within {Deadline.TotalSeconds} s: expected {because}; last: {body}");
            await Task.Delay(50);
        }
    }

    /// <summary>The names of one type's resources in a dump ("CDS", "EDS", ...).</summary>
    public static List<string> Names(JsonNode dump, string type, string nameField = "name") =>
        [.. dump["types"]?[type]?["resources"]?.AsArray().Select(r => r?[nameField]?.ToString() ?? "") ?? []];

    public static IEnumerable<JsonNode> RowsOf(JsonArray rows, string proxyId) =>
        rows.OfType<JsonNode>().Where(r => r["proxyId"]?.ToString() == proxyId);
}
