using k8s.Models;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>Kubernetes objects as a cluster would hold them, built small for tests.</summary>
public static class KubeObjects
{
    public static V1Namespace Namespace(string name, Dictionary<string, string>? labels = null) =>
        new() { Metadata = new V1ObjectMeta { Name = name, Labels = labels } };

    public static V1Node Node(string name, string region, string zone, string? subzone = null)
    {
        var labels = new Dictionary<string, string>
        {
            ["topology.kubernetes.io/region"] = region,
            ["topology.kubernetes.io/zone"] = zone,
        };
        if (subzone is not null) labels["topology.istio.io/subzone"] = subzone;
        return new V1Node { Metadata = new V1ObjectMeta { Name = name, Labels = labels } };
    }

    public static V1Service Service(string ns, string name, string? clusterIp, params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            ClusterIP = clusterIp ?? "None",
            ClusterIPs = [clusterIp ?? "None"],
            Selector = new Dictionary<string, string> { ["app"] = name },
            Ports = ports,
        },
    };

    public static V1ServicePort Port(string? name, int port, int? targetPort = null, string? appProtocol = null, string protocol = "TCP") =>
        new() { Name = name, Port = port, TargetPort = targetPort ?? port, AppProtocol = appProtocol, Protocol = protocol };

    /// <summary>A pod made by a Deployment's ReplicaSet, as the Deployment controller names and labels them.</summary>
    public static V1Pod Pod(string ns, string name, string ip, string node, string deployment, string serviceAccount, Dictionary<string, string>? labels = null)
    {
        const string hash = "5d9c8b7f6";
        var all = new Dictionary<string, string>(labels ?? []) { ["pod-template-hash"] = hash };
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = all,
                OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = $"{deployment}-{hash}", Uid = "uid-rs", Controller = true }],
            },
            Spec = new V1PodSpec { NodeName = node, ServiceAccountName = serviceAccount, Containers = [new V1Container { Name = "app" }] },
            Status = new V1PodStatus { PodIP = ip, Phase = "Running" },
        };
    }

    public static V1EndpointSlice Slice(string ns, string service, string name, Discoveryv1EndpointPort[] ports, params V1Endpoint[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
        },
        AddressType = "IPv4",
        Ports = ports,
        Endpoints = endpoints,
    };

    public static Discoveryv1EndpointPort SlicePort(string? name, int port) => new() { Name = name, Port = port, Protocol = "TCP" };

    public static V1Endpoint Endpoint(string ip, string? pod = null, string? node = null, bool? ready = true, bool? serving = null, bool? terminating = null) => new()
    {
        Addresses = [ip],
        NodeName = node,
        TargetRef = pod is null ? null : new V1ObjectReference { Kind = "Pod", Name = pod },
        Conditions = new V1EndpointConditions { Ready = ready, Serving = serving ?? ready, Terminating = terminating },
    };
}
