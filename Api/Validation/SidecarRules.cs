using Mesh.Api.Model;

namespace Mesh.Api.Validation;

/// <summary>Checks a Sidecar: egress listeners and their "namespace/host" entries.</summary>
internal static class SidecarRules
{
    public static void Check(Findings f, SidecarSpec spec)
    {
        CommonRules.Selector(f, "spec.workloadSelector", spec.WorkloadSelector);
        for (var i = 0; i < spec.Egress.Count; i++)
        {
            var egress = spec.Egress[i];
            var path = $"spec.egress[{i}]";
            CommonRules.Port(f, $"{path}.port.number", egress.Port);
            if (egress.Bind is { } bind && !Syntax.IsIp(bind) && !Syntax.IsUnixAddress(bind))
            {
                f.Add($"{path}.bind", bind, "bind must be an IP address or a unix:// socket");
            }

            if (egress.Hosts.Count == 0)
            {
                f.Add($"{path}.hosts", null, "at least one host is required");
            }

            for (var j = 0; j < egress.Hosts.Count; j++)
            {
                Host(f, $"{path}.hosts[{j}]", egress.Hosts[j]);
            }
        }
    }

    /// <summary>"namespace/dnsName": namespace is a name, ".", "*" or "~"; dnsName is "*" or a (wildcard) host.</summary>
    private static void Host(Findings f, string path, string host)
    {
        var slash = host.IndexOf('/');
        if (slash < 0)
        {
            f.Add(path, host, "egress hosts must be in namespace/dnsName form, e.g. \"./*\" or \"istio-system/*\"");
            return;
        }

        var ns = host[..slash];
        var dns = host[(slash + 1)..];
        if (ns is not ("." or "*" or "~") && !Syntax.IsDns1123Label(ns))
        {
            f.Add(path, host, "the namespace part must be \".\", \"*\", \"~\" or a namespace name");
        }

        if (dns != "*" && Syntax.WildcardDomainProblem(dns) is { } problem)
        {
            f.Add(path, host, problem);
        }
    }
}
