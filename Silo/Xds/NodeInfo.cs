using Envoy.Config.Core.V3;
using Grpc.Core;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Xds;

/// <summary>Who is on a stream, read from the Node of its first request.</summary>
public static class NodeInfo
{
    private const int MaxNodeIdLength = 512;

    public static ProxyIdentity Read(Node? node, string silo, string protocol, DateTimeOffset now)
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
        return new ProxyIdentity(node.Id, silo, NamespaceOf(node.Id, metadata), metadata, protocol, now);
    }

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
