using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Validation;

/// <summary>istioctl's ServiceEntry checks: hosts, addresses, ports, and endpoints per resolution.</summary>
internal static class ServiceEntryRules
{
    public static void Check(Findings f, ServiceEntrySpec spec)
    {
        Hosts(f, spec);
        Addresses(f, spec);
        var portNames = Ports(f, spec.Ports);

        if (spec.WorkloadSelector is not null && spec.Endpoints.Count > 0)
        {
            f.Add("spec.workloadSelector", null, "workloadSelector and endpoints cannot both be set");
        }

        CommonRules.Selector(f, "spec.workloadSelector", spec.WorkloadSelector);
        if (spec.Resolution == ServiceResolution.None && spec.Endpoints.Count > 0)
        {
            f.Add("spec.endpoints", null, "endpoints are not allowed with resolution NONE");
        }

        if (spec.Resolution == ServiceResolution.Static && spec.Endpoints.Count == 0 && spec.WorkloadSelector is null)
        {
            f.Add("spec.endpoints", null, "resolution STATIC requires endpoints or a workloadSelector");
        }

        if (spec.Resolution == ServiceResolution.DnsRoundRobin && spec.Endpoints.Count > 1)
        {
            f.Add("spec.endpoints", null, "resolution DNS_ROUND_ROBIN allows at most one endpoint");
        }

        for (var i = 0; i < spec.Endpoints.Count; i++)
        {
            var path = $"spec.endpoints[{i}]";
            var endpoint = spec.Endpoints[i];
            WorkloadRules.Check(f, path, endpoint);
            EndpointAddress(f, $"{path}.address", endpoint.Address, spec.Resolution);
            foreach (var name in endpoint.Ports.Keys.Where(n => !portNames.Contains(n)))
            {
                f.Add(FieldPaths.Key($"{path}.ports", name), name, "endpoint port name is not declared in spec.ports");
            }
        }

        CommonRules.ExportTo(f, "spec.exportTo", spec.ExportTo);
    }

    private static void Hosts(Findings f, ServiceEntrySpec spec)
    {
        if (spec.Hosts.Count == 0)
        {
            f.Add("spec.hosts", null, "at least one host is required");
        }

        for (var i = 0; i < spec.Hosts.Count; i++)
        {
            var host = spec.Hosts[i];
            if (host == "*")
            {
                f.Add($"spec.hosts[{i}]", host, "a ServiceEntry cannot define the host \"*\"");
            }
            else if (Syntax.WildcardDomainProblem(host) is { } problem)
            {
                f.Add($"spec.hosts[{i}]", host, problem);
            }
            else if (host.StartsWith('*') && spec.Resolution != ServiceResolution.None)
            {
                f.Add($"spec.hosts[{i}]", host, "wildcard hosts require resolution NONE: STATIC and DNS need concrete hosts");
            }
        }
    }

    private static void Addresses(Findings f, ServiceEntrySpec spec)
    {
        for (var i = 0; i < spec.Addresses.Count; i++)
        {
            var address = spec.Addresses[i];
            var isCidr = address.Contains('/');
            if (isCidr ? !Syntax.IsCidr(address) : !Syntax.IsIp(address))
            {
                f.Add($"spec.addresses[{i}]", address, "addresses must be IP addresses or CIDR ranges");
            }
            else if (isCidr && spec.Resolution is not (ServiceResolution.None or ServiceResolution.Static))
            {
                f.Add($"spec.addresses[{i}]", address, "CIDR addresses are allowed only with resolution NONE or STATIC");
            }
        }
    }

    private static HashSet<string> Ports(Findings f, IReadOnlyList<ServicePort> ports)
    {
        if (ports.Count == 0)
        {
            f.Add("spec.ports", null, "at least one port is required");
        }

        var numbers = new HashSet<uint>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i];
            var path = $"spec.ports[{i}]";
            if (port.Number is < 1 or > 65535)
            {
                CommonRules.Port(f, $"{path}.number", port.Number);
            }
            else if (!numbers.Add(port.Number))
            {
                f.Add($"{path}.number", CommonRules.Text(port.Number), "port number is already declared");
            }

            if (port.Name.Length == 0)
            {
                f.Add($"{path}.name", null, "name is required");
            }
            else if (!Syntax.IsDns1123Label(port.Name))
            {
                f.Add($"{path}.name", port.Name, "port names must be DNS-1123 labels (lowercase letters, digits, '-')");
            }
            else if (!names.Add(port.Name))
            {
                f.Add($"{path}.name", port.Name, "port name is already declared");
            }

            if (port.Protocol.Length == 0)
            {
                f.Add($"{path}.protocol", null, $"protocol is required; {IstioProtocols.UnknownMessage}");
            }
            else if (!IstioProtocols.IsKnown(port.Protocol))
            {
                f.Add($"{path}.protocol", port.Protocol, IstioProtocols.UnknownMessage);
            }

            CommonRules.Port(f, $"{path}.targetPort", port.TargetPort);
        }

        return names;
    }

    private static void EndpointAddress(Findings f, string path, string address, ServiceResolution resolution)
    {
        if (address.Length == 0)
        {
            return; // WorkloadRules already reported it.
        }

        // NONE takes no endpoints at all (reported above).
        if (resolution != ServiceResolution.None && EndpointAddresses.Problem(address, resolution) is { } problem)
        {
            f.Add(path, address, problem);
        }
    }
}
