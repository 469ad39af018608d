using System.Globalization;
using Mesh.Api.Model;
using YamlDotNet.RepresentationModel;

namespace Mesh.Api.Yaml;

/// <summary>
/// Reads a WorkloadEntry's status for its Healthy condition. Status is written by a control plane
/// (ours, or istiod's), not by users, so it is read leniently: other conditions and fields pass
/// unchecked, and a malformed value reads as absent rather than rejecting the entry.
/// </summary>
internal static class WorkloadStatusReader
{
    public const string HealthyCondition = "Healthy";

    public static HealthCondition? Health(MapReader status)
    {
        if (status.Node.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: "conditions" }).Value is not YamlSequenceNode conditions)
            return null;
        foreach (var item in conditions.Children.OfType<YamlMappingNode>())
        {
            if (Scalar(item, "type") != HealthyCondition) continue;
            // Istio: only "True" is healthy; any other status of a Healthy condition is not.
            var healthy = string.Equals(Scalar(item, "status"), "True", StringComparison.OrdinalIgnoreCase);
            var probed = DateTimeOffset.TryParse(Scalar(item, "lastProbeTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at : (DateTimeOffset?)null;
            return new HealthCondition(healthy, probed, Scalar(item, "message"));
        }
        return null;
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value is YamlScalarNode v && !YamlNodes.IsNull(v)
            ? v.Value
            : null;
}
