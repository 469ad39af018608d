using Mesh.Api.Model;

namespace Mesh.Api.Analysis;

/// <summary>
/// Objects that collide: the same identity defined twice (MSH0003), or the same host claimed by
/// ServiceEntries (MSH0001), DestinationRules (MSH0002) or VirtualServices (IST0109).
/// </summary>
internal static class ConflictChecks
{
    public static void Run(AnalysisContext ctx)
    {
        foreach (var group in ctx.Config.All.GroupBy(o => o.Meta.Key, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            foreach (var config in group)
            {
                var others = group.Where(o => !ReferenceEquals(o, config)).Select(Where);
                ctx.Report(AnalysisLevel.Error, AnalysisCodes.DuplicateObject, config, "metadata.name",
                    $"{config.Meta.Kind} {config.Meta.Namespace}/{config.Meta.Name} is also defined in {string.Join(", ", others)}; only one definition can be served");
            }
        }

        Conflicts(ctx.Services, (entry, others) => ctx.Report(
            AnalysisLevel.Error, AnalysisCodes.ConflictingServiceEntryHosts, entry.Config, $"spec.hosts[{entry.HostIndex}]",
            $"host {entry.Host} is also defined by ServiceEntry {others}; which definition wins is undefined"));

        Conflicts(ctx.Rules, (entry, others) => ctx.Report(
            AnalysisLevel.Warning, AnalysisCodes.MultipleDestinationRulesForHost, entry.Config, "spec.host",
            $"host {entry.Host} is also configured by DestinationRule {others}; only one traffic policy applies to a host"));

        // Each (host, gateway) pair is its own claim: the same host on different gateways is fine.
        var routes = ctx.Config.VirtualServices
            .SelectMany(vs => vs.Spec.Hosts.SelectMany((host, i) =>
                (vs.Spec.Gateways.Count == 0 ? ["mesh"] : vs.Spec.Gateways).Select(gateway =>
                    new HostEntry<VirtualService>($"{HostNames.Qualify(host, vs.Meta.Namespace)} (gateway {gateway})", i, vs, Visibility.Of(vs.Meta, vs.Spec.ExportTo)))))
            .ToList();
        Conflicts(routes, (entry, others) => ctx.Report(
            AnalysisLevel.Warning, AnalysisCodes.ConflictingVirtualServiceHosts, entry.Config, $"spec.hosts[{entry.HostIndex}]",
            $"host {entry.Host} is also defined by VirtualService {others}; only one of them will be used"));
    }

    private static string Where(ConfigObject config) =>
        config.Meta.Origin is { } o ? $"{o.File} [doc {o.DocumentIndex}]" : "another object";

    private static void Conflicts<T>(IReadOnlyList<HostEntry<T>> entries, Action<HostEntry<T>, string> report)
        where T : ConfigObject
    {
        foreach (var group in entries.GroupBy(e => e.Host, StringComparer.Ordinal))
        {
            var members = group.DistinctBy(e => (object)e.Config, ReferenceEqualityComparer.Instance).ToList();
            foreach (var entry in members)
            {
                var others = members
                    .Where(o => !ReferenceEquals(o, entry) && o.Visibility.Overlaps(entry.Visibility))
                    .Select(o => AnalysisContext.Describe(o.Config))
                    .ToList();
                if (others.Count > 0)
                {
                    report(entry, string.Join(", ", others));
                }
            }
        }
    }
}
