using k8s.Models;
using Mesh.Api.Model;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// A Kubernetes Service and its EndpointSlices to a MeshService and MeshEndpoints, as Istio's kube
/// registry converts them. Pure: the same objects always give the same result.
/// </summary>
public static class KubernetesTranslator
{
    public const string ExportToAnnotation = "networking.istio.io/exportTo";
    public const string NetworkLabel = "topology.istio.io/network";
    public const string RegionLabel = "topology.kubernetes.io/region";
    public const string ZoneLabel = "topology.kubernetes.io/zone";
    public const string SubzoneLabel = "topology.istio.io/subzone";
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public static string Host(string name, string @namespace, string domain) => $"{name}.{@namespace}.svc.{domain}";

    /// <summary>The service key ("namespace/name") a host <c>name.namespace.svc.domain</c> would belong to; null for any other host.</summary>
    public static string? ServiceKey(string host, string domain)
    {
        var suffix = ".svc." + domain;
        if (!host.EndsWith(suffix, StringComparison.Ordinal)) return null;
        var parts = host[..^suffix.Length].Split('.');
        return parts is [{ Length: > 0 } name, { Length: > 0 } ns] ? ResourceCache<V1Service>.Key(ns, name) : null;
    }

    public static bool IsExternalName(V1Service svc) =>
        svc.Spec?.Type == "ExternalName" && !string.IsNullOrEmpty(svc.Spec.ExternalName);

    public static MeshService ToService(V1Service svc, string domain)
    {
        var meta = svc.Metadata;
        var spec = svc.Spec ?? new V1ServiceSpec();
        var addresses = (spec.ClusterIPs is { Count: > 0 } ips ? ips : spec.ClusterIP is { } ip ? [ip] : [])
            .Where(a => !string.IsNullOrEmpty(a) && a != "None").ToList();
        var external = IsExternalName(svc);
        // Istio: ExternalName resolves the external name by DNS (DNSLB, a STRICT_DNS cluster) and is
        // mesh-external; a service without a cluster IP is headless and passed through to the address
        // the app dialled; everything else is load-balanced over its endpoints.
        var resolution = external ? ServiceResolution.Dns : addresses.Count == 0 ? ServiceResolution.None : ServiceResolution.Static;
        var ports = (spec.Ports ?? [])
            .Select(p => (Port: p, Protocol: PortProtocols.Of(p)))
            .Where(p => p.Protocol is not null)
            .Select(p => new ServicePort((uint)p.Port.Port, p.Protocol!, p.Port.Name ?? "", TargetPort(p.Port)))
            .ToList();
        var exportTo = Get(meta.Annotations, ExportToAnnotation) is { Length: > 0 } export
            ? export.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        return new MeshService(
            Host(meta.Name, meta.NamespaceProperty, domain),
            meta.NamespaceProperty,
            ports,
            Labels(meta.Labels),
            external ? ServiceLocation.MeshExternal : ServiceLocation.MeshInternal,
            resolution,
            exportTo)
        {
            Addresses = external ? [] : addresses,
        };
    }

    public static IReadOnlyList<MeshEndpoint> ToEndpoints(V1Service svc, MeshService service, IClusterView cluster)
    {
        if (IsExternalName(svc))
            // Istio gives an ExternalName service one endpoint per port: the external name, resolved by the proxy.
            return [new MeshEndpoint(svc.Spec.ExternalName, service.Ports.ToDictionary(p => p.Name, p => p.Number), service.Labels,
                null, 0, EndpointHealth.Healthy, null, null)];
        var ns = svc.Metadata.NamespaceProperty;
        var namespaceNetwork = NamespaceNetwork(cluster.Namespace(ns));
        var result = new List<MeshEndpoint>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slice in cluster.SlicesOf(ns, svc.Metadata.Name).OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            // FQDN slices name hosts, not workloads; Istio ignores them as well.
            if (slice.AddressType is not ("IPv4" or "IPv6")) continue;
            var ports = (slice.Ports ?? [])
                .Where(p => p.Port is not null && (p.Protocol is null || p.Protocol.Equals("TCP", StringComparison.OrdinalIgnoreCase)))
                .GroupBy(p => p.Name ?? "")
                .ToDictionary(g => g.Key, g => (uint)g.First().Port!.Value, StringComparer.Ordinal);
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                var pod = endpoint.TargetRef is { Kind: "Pod" } target
                    ? cluster.Pod(target.NamespaceProperty ?? ns, target.Name)
                    : null;
                var nodeName = endpoint.NodeName ?? pod?.Spec?.NodeName;
                var node = nodeName is null ? null : cluster.Node(nodeName);
                var podLabels = Labels(pod?.Metadata?.Labels);
                var network = podLabels.GetValueOrDefault(NetworkLabel) ?? namespaceNetwork;
                var locality = Locality(node, endpoint.Zone);
                var labels = AugmentLabels(podLabels, cluster.ClusterId, locality, nodeName, network);
                foreach (var address in endpoint.Addresses ?? [])
                {
                    // A slice being replaced and its successor may both list an address for a while.
                    if (!seen.Add(address)) continue;
                    result.Add(new MeshEndpoint(
                        address,
                        ports,
                        labels,
                        locality,
                        0,
                        Health(endpoint.Conditions),
                        pod?.Spec?.ServiceAccountName,
                        network)
                    {
                        WorkloadName = pod is null ? null : WorkloadName(pod),
                    });
                }
            }
        }
        return result;
    }

    /// <summary>
    /// Istio's reading of an endpoint's conditions: ready (or unset, which Kubernetes says to read
    /// as ready) serves; terminating but still serving drains; anything else is unhealthy.
    /// </summary>
    public static EndpointHealth Health(V1EndpointConditions? conditions) => conditions switch
    {
        null or { Ready: null or true } => EndpointHealth.Healthy,
        { Terminating: true, Serving: null or true } => EndpointHealth.Draining,
        _ => EndpointHealth.Unhealthy,
    };

    public const string ClusterLabel = "topology.istio.io/cluster";
    public const string HostnameLabel = "kubernetes.io/hostname";

    /// <summary>
    /// Istio's AugmentLabels: a workload's labels plus where it runs (cluster, region, zone, subzone,
    /// node, network), so DestinationRule subsets can select by them (a subset per cluster or zone).
    /// The topology labels follow the locality; the network fills in only when the pod sets none.
    /// </summary>
    public static IReadOnlyDictionary<string, string> AugmentLabels(
        IReadOnlyDictionary<string, string> labels, string clusterId, string? locality, string? nodeName, string? network)
    {
        var result = new Dictionary<string, string>(labels, StringComparer.Ordinal);
        var parts = (locality ?? "").Split('/');
        if (parts[0].Length > 0) result[RegionLabel] = parts[0];
        if (parts.Length > 1 && parts[1].Length > 0) result[ZoneLabel] = parts[1];
        if (parts.Length > 2 && parts[2].Length > 0) result[SubzoneLabel] = parts[2];
        if (clusterId.Length > 0) result[ClusterLabel] = clusterId;
        if (!string.IsNullOrEmpty(nodeName)) result[HostnameLabel] = nodeName;
        if (!string.IsNullOrEmpty(network)) result.TryAdd(NetworkLabel, network);
        return result;
    }

    /// <summary>"region/zone/subzone" from the node's topology labels (the slice's zone when the node is unknown); trailing parts omitted.</summary>
    public static string? Locality(V1Node? node, string? sliceZone)
    {
        var labels = node?.Metadata?.Labels;
        var region = Get(labels, RegionLabel) ?? "";
        var zone = Get(labels, ZoneLabel) ?? sliceZone ?? "";
        var subzone = Get(labels, SubzoneLabel) ?? "";
        var locality = $"{region}/{zone}/{subzone}".TrimEnd('/');
        return locality.Length == 0 ? null : locality;
    }

    /// <summary>
    /// The pod's workload as Istio names it for telemetry: its controller, with a ReplicaSet read
    /// as the Deployment that made it (the ReplicaSet's name less the pod-template-hash suffix), else the pod itself.
    /// </summary>
    public static string WorkloadName(V1Pod pod)
    {
        var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true) ?? pod.Metadata.OwnerReferences?.FirstOrDefault();
        if (owner is null) return pod.Metadata.Name;
        if (owner.Kind == "ReplicaSet" && Get(pod.Metadata.Labels, "pod-template-hash") is { Length: > 0 } hash
            && owner.Name.EndsWith("-" + hash, StringComparison.Ordinal))
            return owner.Name[..^(hash.Length + 1)];
        return owner.Name;
    }

    private static string? Get(IDictionary<string, string>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;

    private static uint? TargetPort(V1ServicePort port) =>
        port.TargetPort is { } target && int.TryParse(target.Value, out var number) && number > 0 ? (uint)number : null;

    /// <summary>Istio reads topology.istio.io/network on a namespace as the network of its workloads that set none.</summary>
    public static string? NamespaceNetwork(V1Namespace? ns) => Get(ns?.Metadata?.Labels, NetworkLabel);

    internal static IReadOnlyDictionary<string, string> Labels(IDictionary<string, string>? labels) =>
        labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(labels, StringComparer.Ordinal);
}
