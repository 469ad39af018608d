using Mesh.Api.Model;

namespace Mesh.Registries.Config;

/// <summary>
/// ServiceEntries (and the WorkloadEntries they select) to services and endpoints, as Istio's
/// serviceentry registry does. Pure: the same config always gives the same result.
/// </summary>
public static class ServiceEntryTranslator
{
    public static Dictionary<string, (MeshService Service, IReadOnlyList<MeshEndpoint> Endpoints)> Translate(MeshConfig config)
    {
        var result = new Dictionary<string, (MeshService, IReadOnlyList<MeshEndpoint>)>(StringComparer.Ordinal);
        foreach (var entry in config.ServiceEntries.OrderBy(e => e.Meta.Namespace, StringComparer.Ordinal).ThenBy(e => e.Meta.Name, StringComparer.Ordinal))
        {
            var spec = entry.Spec;
            var endpoints = spec.Endpoints.Select(ToEndpoint).ToList();
            if (spec.WorkloadSelector is { } selector)
                endpoints.AddRange(config.WorkloadEntries
                    .Where(w => w.Meta.Namespace == entry.Meta.Namespace && LabelSelector.Matches(selector.MatchLabels, w.Spec.Labels))
                    .OrderBy(w => w.Meta.Name, StringComparer.Ordinal)
                    .Select(ToEndpoint));
            foreach (var host in spec.Hosts)
            {
                var service = new MeshService(host, entry.Meta.Namespace, spec.Ports, entry.Meta.Labels, spec.Location, spec.Resolution, spec.ExportTo)
                {
                    Addresses = spec.Addresses,
                    SelectsWorkloads = spec.WorkloadSelector is not null,
                };
                // Two entries for one host: the first wins (analyze reports the conflict).
                result.TryAdd(host, (service, endpoints));
            }
        }
        return result;
    }

    private static MeshEndpoint ToEndpoint(WorkloadEntrySpec e) =>
        new(e.Address, e.Ports, e.Labels, e.Locality, e.Weight ?? 0, EndpointHealth.Healthy, e.ServiceAccount, e.Network);

    /// <summary>
    /// A WorkloadEntry as an endpoint, wherever it is selected from. Istio names its workload after the
    /// entry (the metric label destination_workload); a Healthy condition of "False" (a failing
    /// readiness probe) makes it unhealthy, and no condition is healthy.
    /// </summary>
    public static MeshEndpoint ToEndpoint(WorkloadEntry entry) => ToEndpoint(entry.Spec) with
    {
        WorkloadName = entry.Meta.Name,
        Health = entry.Health is { Healthy: false } ? EndpointHealth.Unhealthy : EndpointHealth.Healthy,
    };
}
