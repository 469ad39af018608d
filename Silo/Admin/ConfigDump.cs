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
    private static readonly TypeRegistry Types = TypeRegistry.FromFiles(
        Envoy.Config.Cluster.V3.Cluster.Descriptor.File,
        Envoy.Config.Endpoint.V3.ClusterLoadAssignment.Descriptor.File,
        Envoy.Config.Listener.V3.Listener.Descriptor.File,
        Envoy.Config.Route.V3.RouteConfiguration.Descriptor.File,
        Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpConnectionManager.Descriptor.File,
        Envoy.Extensions.Filters.Http.Router.V3.Router.Descriptor.File,
        Envoy.Extensions.Filters.Http.Fault.V3.HTTPFault.Descriptor.File,
        Envoy.Extensions.LoadBalancingPolicies.RingHash.V3.RingHash.Descriptor.File);

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithTypeRegistry(Types).WithFormatDefaultValues(false));

    public static string Render(ProxyStatus status, ResourceSnapshot snapshot)
    {
        var types = new JsonObject();
        foreach (var t in status.Types)
        {
            var wanted = snapshot.OfType(t.TypeUrl).Values
                .Where(r => t.ResourceNames.Contains(r.Name) || (t.Wildcard && XdsTypes.InWildcard(t.TypeUrl, r.Name)));
            var resources = new JsonArray();
            foreach (var r in wanted) resources.Add(JsonNode.Parse(Formatter.Format(Unpack(r))));
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
