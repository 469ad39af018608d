using Envoy.Config.Core.V3;

namespace Mesh.Grains.Abstractions;

/// <summary>
/// Istio's "region/zone/subzone" localities, read the same way where endpoints are assigned (the
/// grains) and where an assignment is reordered for one proxy (each silo's push hub).
/// </summary>
public static class Localities
{
    /// <summary>Istio's topology labels, derived from an endpoint's or proxy's locality for failoverPriority.</summary>
    public const string RegionLabel = "topology.kubernetes.io/region";
    public const string ZoneLabel = "topology.kubernetes.io/zone";
    public const string SubzoneLabel = "topology.istio.io/subzone";

    public static Locality Parse(string? locality)
    {
        var parts = (locality ?? string.Empty).Split('/', 3);
        return new Locality
        {
            Region = parts[0],
            Zone = parts.Length > 1 ? parts[1] : string.Empty,
            SubZone = parts.Length > 2 ? parts[2] : string.Empty,
        };
    }

    /// <summary>The value of a topology label taken from a "region/zone/subzone" locality; null for other labels.</summary>
    public static string? TopologyLabel(string? locality, string label)
    {
        var parts = (locality ?? "").Split('/', 3);
        return label switch
        {
            RegionLabel => parts[0],
            ZoneLabel => parts.Length > 1 ? parts[1] : "",
            SubzoneLabel => parts.Length > 2 ? parts[2] : "",
            _ => null,
        };
    }

    /// <summary>How <see cref="LocalityPolicy.EndpointLabels"/> names an endpoint: "address:port", as the assignment has it.</summary>
    public static string EndpointKey(string address, uint port) => $"{address}:{port}";
}
