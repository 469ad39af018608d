using Envoy.Config.Core.V3;
using Google.Protobuf.WellKnownTypes;

namespace Mesh.Proxy.Xds;

/// <summary>The proxy's identity, sent as the xDS node the way Istio's pilot-agent fills it in.</summary>
/// <param name="IdOverride">An explicit node id (--proxy-id); else Istio's form is derived.</param>
public sealed record ProxyIdentity(
    string Ip,
    string PodName,
    string Namespace,
    string ServiceAccount,
    IReadOnlyDictionary<string, string> Labels,
    string? IdOverride = null)
{
    /// <summary>Istio's sidecar node id: sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local.</summary>
    /// <summary>The WorkloadGroup a VM joins (Istio's AUTO_REGISTER_GROUP node metadata); null for a sidecar.</summary>
    public string? AutoRegisterGroup { get; init; }

    public string NodeId => IdOverride ?? $"sidecar~{Ip}~{PodName}.{Namespace}~{Namespace}.svc.cluster.local";

    public Node ToNode()
    {
        var labels = new Struct();
        foreach (var (key, value) in Labels) labels.Fields[key] = Value.ForString(value);
        var metadata = new Struct();
        metadata.Fields["NAMESPACE"] = Value.ForString(Namespace);
        metadata.Fields["SERVICE_ACCOUNT"] = Value.ForString(ServiceAccount);
        metadata.Fields["LABELS"] = Value.ForStruct(labels);
        metadata.Fields["INSTANCE_IPS"] = Value.ForString(Ip);
        metadata.Fields["NAME"] = Value.ForString(PodName);
        if (AutoRegisterGroup is { } group) metadata.Fields["AUTO_REGISTER_GROUP"] = Value.ForString(group);
        return new Node
        {
            Id = NodeId,
            Cluster = Labels.TryGetValue("app", out var app) ? $"{app}.{Namespace}" : Namespace,
            Metadata = metadata,
            UserAgentName = "mesh-proxy",
        };
    }
}
