using Mesh.Api.Model;

namespace Mesh.Api.Analysis;

/// <summary>IST0174 (DestinationRule host matches no service) and IST0173 (subset selects no endpoint).</summary>
internal static class SubsetChecks
{
    public static void Run(AnalysisContext ctx)
    {
        foreach (var dr in ctx.Config.DestinationRules)
        {
            var ns = dr.Meta.Namespace;
            var host = HostNames.Qualify(dr.Spec.Host, ns);
            var wildcard = host.Contains('*');

            // A wildcard rule applies to every service under it, so it needs at least one.
            var services = wildcard
                ? ctx.Services.Where(s => s.Visibility.VisibleTo(ns) && HostNames.Covers(host, s.Host)).Select(s => s.Config).Distinct().ToList()
                : ctx.ServicesFor(host, ns);
            if (services.Count == 0)
            {
                if (!ctx.IsKnownHost(host))
                {
                    ctx.Report(AnalysisLevel.Warning, AnalysisCodes.DestinationRuleHostNotFound, dr, "spec.host",
                        $"The host {dr.Spec.Host} defined in the DestinationRule does not match any services in the mesh");
                }

                continue;
            }

            // Subsets of a wildcard rule span several services, and NONE resolution passes traffic to
            // the original destination, so labels pick nothing there to check against.
            if (wildcard || services.Any(s => s.Spec.Resolution == ServiceResolution.None))
            {
                continue;
            }

            var endpoints = services.SelectMany(ctx.Endpoints).ToList();
            for (var i = 0; i < dr.Spec.Subsets.Count; i++)
            {
                var subset = dr.Spec.Subsets[i];
                if (subset.Labels.Count > 0 && !endpoints.Any(e => LabelSelector.Matches(subset.Labels, e.Labels)))
                {
                    var labels = string.Join(",", subset.Labels.Select(kv => $"{kv.Key}={kv.Value}"));
                    ctx.Report(AnalysisLevel.Warning, AnalysisCodes.SubsetSelectsNoEndpoints, dr, $"spec.subsets[{i}]",
                        $"The subset {subset.Name} defined in the DestinationRule selects no endpoint of {dr.Spec.Host} (labels {labels}); traffic routed to it will fail");
                }
            }
        }
    }
}
