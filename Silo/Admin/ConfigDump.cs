using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Mesh.Grains.Abstractions;
using Mesh.Silo.Push;
using Mesh.Silo.Xds;

namespace Mesh.Silo.Admin;

/// <summary>
/// What a proxy is being served, per type, rendered as Envoy's JSON (resources as proto3 JSON with
/// their @type), from this silo's snapshot and the proxy's subscriptions.
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

    /// <param name="localities">The hub's per-locality assignments, so an EDS dump shows the proxy's own copy.</param>
    public static string Render(ProxyStatus status, ResourceSnapshot snapshot, LocalityAssignments? localities = null)
    {
        var types = new JsonObject();
        foreach (var t in status.Types)
        {
            var wanted = snapshot.OfType(t.TypeUrl).Values
                .Where(r => t.ResourceNames.Contains(r.Name) || (t.Wildcard && XdsTypes.InWildcard(t.TypeUrl, r.Name)));
            var resources = new JsonArray();
            foreach (var r in wanted.Select(r => localities?.Serve(snapshot, r, status.Identity.Locality, status.Identity.Labels) ?? r)) resources.Add(JsonNode.Parse(Formatter.Format(Unpack(r))));
            types[XdsTypes.ShortName(t.TypeUrl)] = new JsonObject
            {
                ["typeUrl"] = t.TypeUrl,
                ["versionSent"] = t.VersionSent,
                ["versionAcked"] = t.VersionAcked,
                ["status"] = TypeView.StatusOf(t),
                ["resources"] = resources,
            };
        }
        var dump = new JsonObject { ["proxy"] = status.Identity.ProxyId, ["silo"] = status.Identity.Silo, ["types"] = types };
        return dump.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static IMessage Unpack(XdsResource r)
    {
        var descriptor = Types.Find(r.TypeUrl[(r.TypeUrl.LastIndexOf('/') + 1)..])
            ?? throw new InvalidOperationException($"no descriptor for {r.TypeUrl}");
        return descriptor.Parser.ParseFrom(r.Body);
    }
}
