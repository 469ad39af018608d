using k8s.Models;
using Mesh.Testing.Kubernetes;

namespace Mesh.Cluster.Tests.Clustering;

/// <summary>Services and EndpointSlices in the (in-process, fake) Kubernetes API server the silos watch.</summary>
public sealed class KubernetesServices(FakeApiServer api) : IHostSource
{
    public string Host(int i) => $"svc-{i:00}.default.svc.cluster.local";

    public void Publish(string configDir, int i, int port)
    {
        var name = $"svc-{i:00}";
        api.Apply(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["app"] = name } },
            Spec = new V1ServiceSpec
            {
                Type = "ClusterIP",
                ClusterIP = $"10.96.0.{i + 10}",
                ClusterIPs = [$"10.96.0.{i + 10}"],
                Selector = new Dictionary<string, string> { ["app"] = name },
                Ports = [new V1ServicePort { Name = "http", Port = 8080, TargetPort = port, Protocol = "TCP" }],
            },
        });
        api.Apply(new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{name}-abcde",
                NamespaceProperty = "default",
                Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = name },
            },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = port, Protocol = "TCP" }],
            Endpoints = [new V1Endpoint { Addresses = ["127.0.0.1"], Conditions = new V1EndpointConditions { Ready = true, Serving = true } }],
        });
    }
}
