using k8s.Models;
using Mesh.Api.Model;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>ServiceEntries with a workloadSelector and ready or unready pods, built small for the selection tests.</summary>
public static class SelectedPods
{
    public static ServiceEntry Entry(string ns, string name, IReadOnlyDictionary<string, string>? selector, string[] hosts,
        ServicePort[]? ports = null, ServiceResolution resolution = ServiceResolution.Static) =>
        new(new ConfigMeta("ServiceEntry", "networking.istio.io/v1", name, ns, new Dictionary<string, string>()),
            new ServiceEntrySpec(hosts, [], ports ?? [new ServicePort(80, "HTTP", "http", null)], ServiceLocation.MeshInternal, resolution, [],
                selector is null ? null : new WorkloadSelector(selector), [], []));

    public static MeshConfig Config(params ServiceEntry[] entries) => MeshConfig.Empty with { ServiceEntries = entries };

    /// <summary>A Deployment's pod with a Ready condition (ready or not), as the kubelet reports it.</summary>
    public static V1Pod Pod(string ns, string name, string ip, string node, Dictionary<string, string> labels, bool ready = true,
        string serviceAccount = "vm-sa", params V1ContainerPort[] containerPorts)
    {
        var pod = KubeObjects.Pod(ns, name, ip, node, "app", serviceAccount, labels);
        pod.Spec.Containers[0].Ports = containerPorts.Length == 0 ? null : containerPorts;
        pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }];
        return pod;
    }
}
