using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Validation;

/// <summary>Checks a WorkloadEntry spec, standalone or as a ServiceEntry endpoint.</summary>
internal static class WorkloadRules
{
    public static void Check(Findings f, string path, WorkloadEntrySpec workload)
    {
        if (workload.Address.Length == 0)
        {
            f.Add($"{path}.address", null, "address is required");
        }
        else if (!Syntax.IsIp(workload.Address) && !Syntax.IsUnixAddress(workload.Address) && !Syntax.IsFqdn(workload.Address))
        {
            f.Add($"{path}.address", workload.Address, "address must be an IP address, a DNS name or a unix:// socket");
        }

        foreach (var (name, port) in workload.Ports)
        {
            CommonRules.Port(f, FieldPaths.Key($"{path}.ports", name), port);
        }

        CommonRules.Labels(f, $"{path}.labels", workload.Labels);
    }
}
