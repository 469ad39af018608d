using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Validation;

/// <summary>
/// Semantic checks in the spirit of <c>istioctl validate</c>, on one object at a time. The parser
/// runs them on every document; callers building objects in code can run them too. Errors carry
/// field paths in Istio's YAML spelling; lines are filled in by the parser, which knows them.
/// </summary>
public static class ConfigValidator
{
    public static IReadOnlyList<ConfigError> Validate(ConfigObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var f = new Findings(config);
        Meta(f, config.Meta);
        switch (config)
        {
            case VirtualService vs:
                VirtualServiceRules.Check(f, vs.Spec);
                break;
            case DestinationRule dr:
                DestinationRuleRules.Check(f, dr.Spec);
                break;
            case ServiceEntry se:
                ServiceEntryRules.Check(f, se.Spec);
                break;
            case Sidecar sidecar:
                SidecarRules.Check(f, sidecar.Spec);
                break;
            case WorkloadEntry we:
                WorkloadRules.Check(f, "spec", we.Spec);
                break;
            case WorkloadGroup group:
                WorkloadGroupRules.Check(f, group.Spec);
                break;
        }

        return f.Errors;
    }

    private static void Meta(Findings f, ConfigMeta meta)
    {
        if (meta.Name.Length == 0)
        {
            f.Add("metadata.name", null, "name is required");
        }
        else if (!Syntax.IsDns1123Subdomain(meta.Name))
        {
            f.Add("metadata.name", meta.Name, "name must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')");
        }

        if (!Syntax.IsDns1123Label(meta.Namespace))
        {
            f.Add("metadata.namespace", meta.Namespace, "namespace must be a DNS-1123 label (lowercase letters, digits, '-')");
        }

        CommonRules.Labels(f, "metadata.labels", meta.Labels);
    }
}
