using k8s.Models;

namespace Mesh.Registries.Kubernetes;

/// <summary>What the translator looks up beside a service: its slices, and the pods, nodes and namespaces they refer to.</summary>
public interface IClusterView
{
    /// <summary>The shard's cluster id (--kube-cluster-id), which Istio adds to every workload's labels.</summary>
    string ClusterId { get; }

    IEnumerable<V1EndpointSlice> SlicesOf(string @namespace, string service);

    V1Pod? Pod(string @namespace, string name);

    V1Node? Node(string name);

    V1Namespace? Namespace(string name);
}
