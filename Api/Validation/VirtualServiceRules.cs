using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Validation;

/// <summary>istioctl's VirtualService checks, for the HTTP routes this control plane supports.</summary>
internal static class VirtualServiceRules
{
    public static void Check(Findings f, VirtualServiceSpec spec)
    {
        if (spec.Hosts.Count == 0)
        {
            f.Add("spec.hosts", null, "at least one host is required");
        }

        for (var i = 0; i < spec.Hosts.Count; i++)
        {
            var host = spec.Hosts[i];
            if (!Syntax.IsIp(host) && Syntax.WildcardDomainProblem(host) is { } problem)
            {
                f.Add($"spec.hosts[{i}]", host, problem);
            }
        }

        for (var i = 0; i < spec.Gateways.Count; i++)
        {
            Gateway(f, $"spec.gateways[{i}]", spec.Gateways[i]);
        }

        if (spec.Http.Count == 0)
        {
            f.Add("spec.http", null, "at least one http route is required");
        }

        for (var i = 0; i < spec.Http.Count; i++)
        {
            HttpRouteRules.Check(f, $"spec.http[{i}]", spec.Http[i]);
        }

        CommonRules.ExportTo(f, "spec.exportTo", spec.ExportTo);
    }

    /// <summary>"mesh", "namespace/name", or the legacy FQDN form "name.namespace.svc.cluster.local".</summary>
    private static void Gateway(Findings f, string path, string gateway)
    {
        if (gateway == "mesh")
        {
            return;
        }

        var parts = gateway.Split('/');
        var valid = parts.Length switch
        {
            1 => Syntax.IsDns1123Subdomain(gateway),
            2 => Syntax.IsDns1123Label(parts[0]) && Syntax.IsDns1123Label(parts[1]),
            _ => false,
        };
        if (!valid)
        {
            f.Add(path, gateway, "gateway must be \"mesh\" or \"namespace/name\" with DNS-1123 labels");
        }
    }
}
