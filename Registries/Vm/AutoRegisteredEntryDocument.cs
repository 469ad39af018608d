using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Grains.Abstractions;

namespace Mesh.Registries.Vm;

/// <summary>
/// The one place an auto-registered workload (and its health) becomes a WorkloadEntry document:
/// metadata, spec and the Healthy condition in status. The file store writes it as YAML, the
/// Kubernetes store sends it as JSON, so both modes hold the same entry.
/// </summary>
public static class AutoRegisteredEntryDocument
{
    public const string ApiVersion = "networking.istio.io/v1";
    public const string Kind = "WorkloadEntry";
    public const string HealthyCondition = "Healthy";

    private static readonly JsonSerializerOptions Quote = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Maps whose keys come from users (label and annotation names, port names): quoted in YAML, never read as structure.
    private static readonly HashSet<string> UserMaps = new(StringComparer.Ordinal) { "labels", "annotations", "ports" };

    /// <summary>The whole document, fields in the order Istio's own objects show them.</summary>
    public static JsonObject Build(AutoRegisteredWorkload w, WorkloadHealthReport? health)
    {
        var metadata = new JsonObject { ["name"] = w.Name, ["namespace"] = w.Namespace };
        if (w.Labels.Count > 0) metadata["labels"] = Map(w.Labels);
        if (w.Annotations.Count > 0) metadata["annotations"] = Map(w.Annotations);
        var doc = new JsonObject { ["apiVersion"] = ApiVersion, ["kind"] = Kind, ["metadata"] = metadata, ["spec"] = Spec(w) };
        if (Status(health) is { } status) doc["status"] = status;
        return doc;
    }

    public static JsonObject Spec(AutoRegisteredWorkload w)
    {
        var spec = new JsonObject { ["address"] = w.Address };
        if (w.Labels.Count > 0) spec["labels"] = Map(w.Labels);
        if (w.Ports.Count > 0)
        {
            var ports = new JsonObject();
            foreach (var (name, port) in w.Ports.OrderBy(p => p.Key, StringComparer.Ordinal)) ports[name] = port;
            spec["ports"] = ports;
        }
        if (w.Network is { } network) spec["network"] = network;
        if (w.Locality is { } locality) spec["locality"] = locality;
        if (w.Weight is { } weight) spec["weight"] = weight;
        if (w.ServiceAccount is { } sa) spec["serviceAccount"] = sa;
        return spec;
    }

    /// <summary>status with the one Healthy condition, or null without a probe result.</summary>
    public static JsonObject? Status(WorkloadHealthReport? health)
    {
        if (health is null) return null;
        var condition = new JsonObject
        {
            ["type"] = HealthyCondition,
            ["status"] = health.Healthy ? "True" : "False",
            ["lastProbeTime"] = health.At.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        };
        if (!string.IsNullOrEmpty(health.Message)) condition["message"] = health.Message;
        return new JsonObject { ["conditions"] = new JsonArray(condition) };
    }

    /// <summary>The Healthy condition of a status written by <see cref="Status"/> (or by Istio), or null.</summary>
    public static WorkloadHealthReport? ReadHealth(JsonElement? status)
    {
        if (status is not { ValueKind: JsonValueKind.Object } s || !s.TryGetProperty("conditions", out var conditions) || conditions.ValueKind != JsonValueKind.Array)
            return null;
        foreach (var c in conditions.EnumerateArray())
        {
            if (c.ValueKind != JsonValueKind.Object || Text(c, "type") != HealthyCondition) continue;
            var at = DateTimeOffset.TryParse(Text(c, "lastProbeTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.UnixEpoch;
            return new WorkloadHealthReport(string.Equals(Text(c, "status"), "True", StringComparison.OrdinalIgnoreCase), Text(c, "message"), at);
        }
        return null;
    }

    /// <summary>
    /// The document as block YAML: every string a JSON (double-quoted) scalar, so no value can break
    /// the structure, and keys of user maps quoted too.
    /// </summary>
    public static string ToYaml(JsonObject doc)
    {
        var y = new StringBuilder();
        Write(y, doc, "", quoteKeys: false);
        return y.ToString();
    }

    private static void Write(StringBuilder y, JsonObject obj, string indent, bool quoteKeys, bool firstInItem = false)
    {
        var first = true;
        foreach (var (key, value) in obj)
        {
            // The first field of a list item sits on the "- " line.
            y.Append(first && firstInItem ? "" : indent).Append(quoteKeys ? Q(key) : key).Append(':');
            first = false;
            switch (value)
            {
                case JsonObject child:
                    y.Append('\n');
                    Write(y, child, indent + "  ", UserMaps.Contains(key));
                    break;
                case JsonArray items:
                    y.Append('\n');
                    foreach (var item in items)
                    {
                        y.Append(indent).Append("- ");
                        if (item is JsonObject o) Write(y, o, indent + "  ", quoteKeys: false, firstInItem: true);
                        else y.Append(Scalar(item)).Append('\n');
                    }
                    break;
                default:
                    y.Append(' ').Append(Scalar(value)).Append('\n');
                    break;
            }
        }
    }

    private static string Scalar(JsonNode? value) => value is JsonValue v && v.TryGetValue<string>(out var s) ? Q(s) : value?.ToJsonString() ?? "null";

    private static JsonObject Map(IReadOnlyDictionary<string, string> values)
    {
        var map = new JsonObject();
        foreach (var (key, value) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal)) map[key] = value;
        return map;
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    private static string Q(string value) => JsonSerializer.Serialize(value, Quote);
}

/// <summary>Where the auto-registered entries a restarted silo adopts are listed from: files or the API server.</summary>
public interface IAutoRegisteredEntries
{
    /// <summary>For logs: the directory or the API path the entries are kept in.</summary>
    string Location { get; }

    /// <summary>The auto-registered entries this control plane wrote (namespace, name).</summary>
    Task<IReadOnlyList<(string Namespace, string Name)>> ListAsync();
}
