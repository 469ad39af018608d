using Mesh.Api.Model;

namespace Mesh.Api.Yaml;

/// <summary>Reads ServiceEntry specs, and WorkloadEntry specs (also ServiceEntry's endpoint type).</summary>
internal static class ServiceEntryReader
{
    public static ServiceEntrySpec Read(MapReader spec) =>
        new(
            spec.Strings("hosts"),
            spec.Strings("addresses"),
            spec.List("ports", Port),
            spec.Enum("location", IstioEnums.Location) ?? ServiceLocation.MeshExternal,
            spec.Enum("resolution", IstioEnums.Resolution) ?? ServiceResolution.None,
            spec.List("endpoints", Workload),
            spec.Object("workloadSelector", CommonReaders.WorkloadSelector),
            spec.Strings("exportTo"),
            spec.Strings("subjectAltNames"));

    public static WorkloadEntrySpec Workload(MapReader r) =>
        new(
            r.String("address") ?? "",
            r.PortMap("ports"),
            r.StringMap("labels"),
            r.String("network"),
            r.String("locality"),
            r.UInt("weight"),
            r.String("serviceAccount"));

    private static ServicePort Port(MapReader r)
    {
        var number = r.UInt("number");
        if (number is null && !r.Has("number"))
        {
            r.Missing("number");
        }

        // Protocols are case-insensitive in Istio; consumers compare the upper-case form.
        var protocol = r.String("protocol")?.ToUpperInvariant() ?? "";
        return new ServicePort(number ?? 0, protocol, r.String("name") ?? "", r.UInt("targetPort"));
    }
}
