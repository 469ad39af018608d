using Envoy.Config.Core.V3;
using Grpc.Core;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Xds;

/// <summary>Who is on a stream, read from the Node of its first request.</summary>
public static class NodeInfo
{
    private const int MaxNodeIdLength = 512;

    /// <param name="connection">This silo's number for the stream: with the silo's name, its connection id is unique in the cluster.</param>
    public static ProxyIdentity Read(Node? node, string silo, string protocol, DateTimeOffset now, long connection)
    {
        if (node is null || string.IsNullOrWhiteSpace(node.Id))
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first request on a stream must carry node.id"));
        if (node.Id.Length > MaxNodeIdLength)
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"node.id is longer than {MaxNodeIdLength} characters"));

        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (node.Metadata is not null)
            foreach (var (key, value) in node.Metadata.Fields)
                if (value.KindCase == Google.Protobuf.WellKnownTypes.Value.KindOneofCase.StringValue)
                    metadata[key] = value.StringValue;
        return new ProxyIdentity(node.Id, $"{node.Id}-{silo}-{connection}", silo, NamespaceOf(node.Id, metadata), metadata, protocol, now, LabelsOf(node), LocalityOf(node));
    }

    /// <summary>Istio's LABELS node metadata (a struct of strings): what Sidecar workloadSelectors match.</summary>
    private static Dictionary<string, string> LabelsOf(Node node)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node.Metadata?.Fields.TryGetValue("LABELS", out var value) == true && value.StructValue is { } fields)
            foreach (var (key, v) in fields.Fields)
                if (v.KindCase == Google.Protobuf.WellKnownTypes.Value.KindOneofCase.StringValue) labels[key] = v.StringValue;
        return labels;
    }

    /// <summary>node.locality as "region/zone/subzone"; null without a region (no locality load balancing, as istiod).</summary>
    private static string? LocalityOf(Node node) =>
        node.Locality is { Region.Length: > 0 } l ? $"{l.Region}/{l.Zone}/{l.SubZone}" : null;

    /// <summary>NAMESPACE metadata, else the namespace in an Istio-style id "sidecar~ip~pod.ns~ns.svc.cluster.local".</summary>
    public static string? NamespaceOf(string nodeId, IReadOnlyDictionary<string, string> metadata)
    {
        if (metadata.TryGetValue("NAMESPACE", out var ns) && ns.Length > 0) return ns;
        var parts = nodeId.Split('~');
        if (parts.Length == 4)
        {
            var dot = parts[3].IndexOf('.');
            return dot > 0 ? parts[3][..dot] : parts[3];
        }
        return null;
    }
}
