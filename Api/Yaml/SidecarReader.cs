using Mesh.Api.Model;
using Mesh.Api.Validation;

namespace Mesh.Api.Yaml;

/// <summary>Reads a Sidecar spec: egress listeners and the outbound traffic policy.</summary>
internal static class SidecarReader
{
    public static SidecarSpec Read(MapReader spec)
    {
        spec.Unsupported("ingress", "inboundConnectionPool");
        var selector = spec.Object("workloadSelector", CommonReaders.WorkloadSelector);
        var egress = spec.List("egress", Egress);
        var outbound = spec.Struct<OutboundTrafficPolicyMode>("outboundTrafficPolicy", r =>
        {
            r.Unsupported("egressProxy");
            // REGISTRY_ONLY is the zero value of Istio's enum, hence the default of a present block.
            return r.Enum("mode", IstioEnums.Outbound) ?? OutboundTrafficPolicyMode.RegistryOnly;
        });
        return new SidecarSpec(selector, egress, outbound);
    }

    private static EgressListener Egress(MapReader r)
    {
        r.Unsupported("captureMode");
        var port = r.Struct("port", EgressPort);
        return new EgressListener(port, r.String("bind"), r.Strings("hosts"));
    }

    /// <summary>
    /// The model keeps only the port number; protocol and name are still checked here so a typo
    /// in them is reported rather than dropped.
    /// </summary>
    private static uint? EgressPort(MapReader r)
    {
        var number = r.UInt("number");
        if (number is null && !r.Has("number"))
        {
            r.Missing("number");
        }

        var path = r.Child("protocol");
        if (r.Field("protocol") is { } node && Scalars.Text(r.Context, node, path) is { } protocol && !IstioProtocols.IsKnown(protocol))
        {
            r.Context.Error(path, node, protocol, IstioProtocols.UnknownMessage);
        }

        r.String("name");
        return number;
    }
}
