using Envoy.Config.Core.V3;
using Google.Protobuf.WellKnownTypes;

namespace Mesh.Proxy.Xds;

/// <summary>The proxy's identity, sent as the xDS node the way Istio's pilot-agent fills it in.</summary>
/// <param name="IdOverride">An explicit node id (--proxy-id); else Istio's form is derived.</param>
/// <param name="Locality">"region/zone/subzone" (any suffix may be missing); empty = none, as a proxy outside any zone.</param>
public sealed record ProxyIdentity(
    string Ip,
    string PodName,
    string Namespace,
    string ServiceAccount,
    IReadOnlyDictionary<string, string> Labels,
    string? IdOverride = null,
    string Locality = "")
{
    /// <summary>The WorkloadGroup a VM joins (Istio's AUTO_REGISTER_GROUP node metadata); null for a sidecar.</summary>
    public string? AutoRegisterGroup { get; init; }

    /// <summary>The workload this instance belongs to (a pod name without its generated suffix); null = the pod name.</summary>
    public string? Workload { get; init; }

    public string WorkloadName => Workload ?? PodName;

    /// <summary>Istio's sidecar node id: sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local.</summary>
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
        var node = new Node
        {
            Id = NodeId,
            Cluster = Labels.TryGetValue("app", out var app) ? $"{app}.{Namespace}" : Namespace,
            Metadata = metadata,
            UserAgentName = "mesh-proxy",
        };
        // The control plane orders endpoints into priorities relative to this (locality failover).
        if (Locality.Length > 0)
        {
            var parts = Locality.Split('/', 3);
            node.Locality = new Envoy.Config.Core.V3.Locality
            {
                Region = parts[0],
                Zone = parts.Length > 1 ? parts[1] : "",
                SubZone = parts.Length > 2 ? parts[2] : "",
            };
        }
        return node;
    }
}
