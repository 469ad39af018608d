using k8s.Models;
using Mesh.Api.Model;
using Mesh.Registries.Config;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// Pods as endpoints of the ServiceEntries whose workloadSelector picks them, as Istio's
/// serviceentry registry takes the workload instances the Kubernetes registry hands it. Pure: the
/// same objects always give the same result.
/// </summary>
public static class ServiceEntryPods
{
    /// <summary>Istio selects only pods in the entry's own namespace, by the selector's labels (all must match).</summary>
    public static bool Selects(ServiceEntry entry, V1Pod pod) =>
        entry.Spec.WorkloadSelector is { } selector
        && pod.Metadata?.NamespaceProperty == entry.Meta.Namespace
        && LabelSelector.Matches(selector.MatchLabels, KubernetesTranslator.Labels(pod.Metadata?.Labels));

    /// <summary>
    /// The pod as an endpoint of every host of <paramref name="spec"/>, or null while it has no IP.
    /// Its port for a service port is the pod's container port of the same name (TCP, first one
    /// wins), else the port's targetPort, else its number: Istio's order. The last two are what
    /// the mesh does for a port missing from <see cref="MeshEndpoint.Ports"/>, so only names go there.
    /// </summary>
    public static MeshEndpoint? ToEndpoint(V1Pod pod, ServiceEntrySpec spec, V1Node? node, V1Namespace? @namespace, string clusterId)
    {
        if (Address(pod) is not { } address) return null;
        var containerPorts = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var port in (pod.Spec?.Containers ?? []).SelectMany(c => c.Ports ?? []))
            if (!string.IsNullOrEmpty(port.Name) && port.ContainerPort > 0 && (port.Protocol is null or "TCP"))
                containerPorts.TryAdd(port.Name, (uint)port.ContainerPort);
        var ports = spec.Ports
            .Where(p => containerPorts.ContainsKey(p.Name))
            .GroupBy(p => p.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => containerPorts[g.Key], StringComparer.Ordinal);
        var labels = KubernetesTranslator.Labels(pod.Metadata?.Labels);
        var network = labels.GetValueOrDefault(KubernetesTranslator.NetworkLabel) ?? KubernetesTranslator.NamespaceNetwork(@namespace);
        var locality = KubernetesTranslator.Locality(node, null);
        return new MeshEndpoint(
            address,
            ports,
            KubernetesTranslator.AugmentLabels(labels, clusterId, locality, pod.Spec?.NodeName, network),
            locality,
            0,
            IsServing(pod) ? EndpointHealth.Healthy : EndpointHealth.Unhealthy,
            pod.Spec?.ServiceAccountName,
            network)
        {
            WorkloadName = KubernetesTranslator.WorkloadName(pod),
        };
    }

    /// <summary>
    /// Istio keeps a selected pod only while it is Ready, not being deleted and not finished
    /// (shouldPodBeInEndpoints and IsPodReady); here such a pod stays listed as Unhealthy, which
    /// leaves EDS all the same.
    /// </summary>
    public static bool IsServing(V1Pod pod) =>
        pod.Metadata?.DeletionTimestamp is null
        && pod.Status?.Phase is not ("Succeeded" or "Failed")
        && pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    public static string? Address(V1Pod pod) =>
        pod.Status?.PodIP is { Length: > 0 } ip ? ip
        : pod.Status?.PodIPs?.FirstOrDefault(i => !string.IsNullOrEmpty(i.Ip))?.Ip;
}
