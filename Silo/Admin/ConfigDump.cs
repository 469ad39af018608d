using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Mesh.Grains.Abstractions;
using Mesh.Silo.Xds;

namespace Mesh.Silo.Admin;

/// <summary>
/// What one connection's proxy was sent, per type, rendered as Envoy's JSON (resources as proto3
/// JSON with their @type): the resources its stream last sent and it still subscribes to, at the
/// versions sent, as the stream itself reports them (so its scope, route variants and locality
/// are those it was actually served).
/// </summary>
public static class ConfigDump
{
    // Every Envoy file compiled into Mesh.Api, so any typed_config inside a resource renders.
    private static readonly TypeRegistry Types = TypeRegistry.FromFiles(
        typeof(Envoy.Config.Cluster.V3.Cluster).Assembly.GetTypes()
            .Where(t => t.IsClass && t.IsAbstract && t.IsSealed && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
            .Select(t => t.GetProperty("Descriptor")?.GetValue(null))
            .OfType<FileDescriptor>()
            .ToArray());

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithTypeRegistry(Types).WithFormatDefaultValues(false));

    /// <param name="note">Why this connection was picked among several with the asked proxy id; null when the choice was plain.</param>
    public static string Render(ConnectionConfig config, string? note = null)
    {
        var sent = config.Resources.ToLookup(r => r.TypeUrl, StringComparer.Ordinal);
        var types = new JsonObject();
        foreach (var t in config.Types.OrderBy(t => t.TypeUrl, StringComparer.Ordinal))
        {
            var resources = new JsonArray();
            foreach (var r in sent[t.TypeUrl].OrderBy(r => r.Name, StringComparer.Ordinal)) resources.Add(JsonNode.Parse(Formatter.Format(Unpack(r))));
            types[XdsTypes.ShortName(t.TypeUrl)] = new JsonObject
            {
                ["typeUrl"] = t.TypeUrl,
                ["versionSent"] = t.VersionSent,
                ["versionAcked"] = t.VersionAcked,
                ["status"] = TypeView.StatusOf(t),
                ["resourceVersions"] = new JsonObject(sent[t.TypeUrl].OrderBy(r => r.Name, StringComparer.Ordinal)
                    .Select(r => KeyValuePair.Create<string, JsonNode?>(r.Name, r.Version))),
                ["resources"] = resources,
            };
        }
        var dump = new JsonObject
        {
            ["proxy"] = config.Identity.ProxyId,
            ["connection"] = config.Identity.ConnectionId,
            ["silo"] = config.Identity.Silo,
        };
        if (note is not null) dump["note"] = note;
        dump["types"] = types;
        // Relaxed escaping: a debug page for people; ids and timestamps read as they are ("+", quotes).
        return dump.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static IMessage Unpack(XdsResource r)
    {
        var descriptor = Types.Find(r.TypeUrl[(r.TypeUrl.LastIndexOf('/') + 1)..])
            ?? throw new InvalidOperationException($"no descriptor for {r.TypeUrl}");
        return descriptor.Parser.ParseFrom(r.Body);
    }
}
