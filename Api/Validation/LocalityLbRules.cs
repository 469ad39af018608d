using Mesh.Api.Model;

namespace Mesh.Api.Validation;

/// <summary>istioctl's localityLbSetting checks, with its messages.</summary>
internal static class LocalityLbRules
{
    private static readonly string[] TopologyLabels =
        ["topology.kubernetes.io/region", "topology.kubernetes.io/zone", "topology.istio.io/subzone"];

    public static void Check(Findings f, string path, LocalityLbSetting? setting)
    {
        if (setting is null)
        {
            return;
        }

        if (setting.Distribute.Count > 0 && setting.Failover.Count > 0)
        {
            f.Add(path, null, "can not simultaneously specify 'distribute' and 'failover'");
            return;
        }

        if (setting.Failover.Count > 0 && setting.FailoverPriority.FirstOrDefault(TopologyLabels.Contains) is { } topology)
        {
            f.Add($"{path}.failoverPriority", topology, $"can not simultaneously set 'failover' and topology label '{topology}' in 'failover_priority'");
        }

        Distribute(f, path, setting.Distribute);
        for (var i = 0; i < setting.Failover.Count; i++)
        {
            Failover(f, $"{path}.failover[{i}]", setting.Failover[i]);
        }

        for (var i = 0; i < setting.FailoverPriority.Count; i++)
        {
            if (setting.FailoverPriority[i].Length == 0)
            {
                f.Add($"{path}.failoverPriority[{i}]", null, "failover priority label must not be empty");
            }
        }
    }

    private static void Distribute(Findings f, string path, IReadOnlyList<LocalityDistribute> distribute)
    {
        for (var i = 0; i < distribute.Count; i++)
        {
            var rule = distribute[i];
            var rulePath = $"{path}.distribute[{i}]";
            if (rule.From.Length == 0)
            {
                f.Add($"{rulePath}.from", null, "from is required");
            }

            long total = 0;
            foreach (var (locality, weight) in rule.To)
            {
                if (weight is < 1 or > 100)
                {
                    f.Add(Mesh.Api.Yaml.FieldPaths.Key($"{rulePath}.to", locality), CommonRules.Text(weight), "locality weight must be in range [1, 100]");
                }

                total += weight;
            }

            if (total != 100)
            {
                f.Add($"{rulePath}.to", CommonRules.Text(total), $"total locality weight {total} != 100");
            }

            Localities(f, $"{rulePath}.to", rule.To.Keys.Order(StringComparer.Ordinal).ToList());
        }

        Localities(f, path + ".distribute", distribute.Select(d => d.From).Where(s => s.Length > 0).ToList());
    }

    /// <summary>Wildcards only as the last segment, and no locality covered by another of the same list.</summary>
    private static void Localities(Findings f, string path, IReadOnlyList<string> localities)
    {
        for (var i = 0; i < localities.Count; i++)
        {
            var locality = localities[i];
            var stars = locality.Count(c => c == '*');
            if (stars > 1 || (stars == 1 && !(locality == "*" || locality.EndsWith("/*", StringComparison.Ordinal))))
            {
                f.Add(path, locality, $"locality {locality} wildcard '*' number can not exceed 1 and must be in the end");
                continue;
            }

            if (locality.Split('/').Length > 3 || locality.Split('/').Any(s => s.Length == 0))
            {
                f.Add(path, locality, $"locality {locality} must be region[/zone[/subzone]]");
                continue;
            }

            for (var j = 0; j < i; j++)
            {
                if (Covers(localities[j], locality) || Covers(locality, localities[j]))
                {
                    f.Add(path, locality, $"locality {locality} overlap with previous specified ones");
                    break;
                }
            }
        }
    }

    private static bool Covers(string pattern, string locality) =>
        pattern == locality
        || pattern == "*"
        || (pattern.EndsWith("/*", StringComparison.Ordinal) && locality.StartsWith(pattern[..^1], StringComparison.Ordinal));

    private static void Failover(Findings f, string path, LocalityFailover failover)
    {
        if (failover.From.Length == 0 || failover.To.Length == 0)
        {
            f.Add(path, null, "from and to are required");
            return;
        }

        if (failover.From == failover.To)
        {
            f.Add(path, failover.From, "locality lb failover settings must specify different regions");
        }

        if (failover.From.Contains('/') || failover.To.Contains('/'))
        {
            f.Add(path, $"{failover.From} -> {failover.To}", "locality lb failover only specify region");
        }

        if (failover.From.Contains('*') || failover.To.Contains('*'))
        {
            f.Add(path, $"{failover.From} -> {failover.To}", "locality lb failover region should not contain '*' wildcard");
        }
    }
}
