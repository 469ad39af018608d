using Mesh.Api.Model;

namespace Mesh.Api.Validation;

/// <summary>istioctl's DestinationRule checks: host, subsets and traffic policies.</summary>
internal static class DestinationRuleRules
{
    public static void Check(Findings f, DestinationRuleSpec spec)
    {
        if (spec.Host.Length == 0)
        {
            f.Add("spec.host", null, "host is required");
        }
        else if (Syntax.WildcardDomainProblem(spec.Host) is { } problem)
        {
            f.Add("spec.host", spec.Host, problem);
        }

        TrafficPolicyRules.Check(f, "spec.trafficPolicy", spec.TrafficPolicy);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Subsets.Count; i++)
        {
            var subset = spec.Subsets[i];
            var path = $"spec.subsets[{i}]";
            if (subset.Name.Length == 0)
            {
                f.Add($"{path}.name", null, "name is required");
            }
            else if (!Syntax.IsDns1123Label(subset.Name))
            {
                f.Add($"{path}.name", subset.Name, "subset names must be DNS-1123 labels (lowercase letters, digits, '-')");
            }
            else if (!names.Add(subset.Name))
            {
                f.Add($"{path}.name", subset.Name, "subset name is already defined in this DestinationRule");
            }

            CommonRules.Labels(f, $"{path}.labels", subset.Labels);
            TrafficPolicyRules.Check(f, $"{path}.trafficPolicy", subset.TrafficPolicy);
        }

        CommonRules.ExportTo(f, "spec.exportTo", spec.ExportTo);
    }
}
