using Mesh.Api.Model;

namespace Mesh.Api.Analysis;

/// <summary>IST0101: route and mirror destinations must name an existing host, port and subset.</summary>
internal static class ReferenceChecks
{
    public static void Run(AnalysisContext ctx)
    {
        foreach (var vs in ctx.Config.VirtualServices)
        {
            for (var i = 0; i < vs.Spec.Http.Count; i++)
            {
                var route = vs.Spec.Http[i];
                for (var j = 0; j < route.Route.Count; j++)
                {
                    Destination(ctx, vs, $"spec.http[{i}].route[{j}].destination", route.Route[j].Destination);
                }

                if (route.Mirror is not null)
                {
                    Destination(ctx, vs, $"spec.http[{i}].mirror", route.Mirror);
                }
            }
        }
    }

    private static void Destination(AnalysisContext ctx, VirtualService vs, string path, Destination destination)
    {
        var ns = vs.Meta.Namespace;
        var host = HostNames.Qualify(destination.Host, ns);
        var services = ctx.ServicesFor(host, ns);
        if (services.Count == 0 && !ctx.IsKnownHost(host))
        {
            ctx.Report(AnalysisLevel.Error, AnalysisCodes.ReferencedResourceNotFound, vs, $"{path}.host",
                $"Referenced host not found: \"{destination.Host}\"");
        }
        else if (destination.Port is { } port && services.Count > 0 && !services.Any(s => s.Spec.Ports.Any(p => p.Number == port.Number)))
        {
            ctx.Report(AnalysisLevel.Error, AnalysisCodes.ReferencedResourceNotFound, vs, $"{path}.port.number",
                $"Referenced host+port not found: \"{destination.Host}:{port.Number}\"");
        }

        if (destination.Subset is { } subset && !ctx.RulesFor(host, ns).Any(dr => dr.Spec.Subsets.Any(s => s.Name == subset)))
        {
            ctx.Report(AnalysisLevel.Error, AnalysisCodes.ReferencedResourceNotFound, vs, $"{path}.subset",
                $"Referenced host+subset in destinationrule not found: \"{destination.Host}+{subset}\"");
        }
    }
}
