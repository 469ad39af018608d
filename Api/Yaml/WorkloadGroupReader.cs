using Mesh.Api.Model;

namespace Mesh.Api.Yaml;

/// <summary>Reads WorkloadGroup specs: metadata, template (a WorkloadEntry spec) and the readiness probe.</summary>
internal static class WorkloadGroupReader
{
    public static WorkloadGroupSpec Read(MapReader spec) =>
        new(
            spec.Object("metadata", m => new WorkloadGroupMetadata(m.StringMap("labels"), m.StringMap("annotations"))) ?? WorkloadGroupMetadata.Empty,
            spec.Object("template", ServiceEntryReader.Workload) ?? Template(spec),
            spec.Object("probe", Probe));

    private static WorkloadEntrySpec Template(MapReader spec)
    {
        spec.Missing("template");
        return new WorkloadEntrySpec("", new Dictionary<string, uint>(), new Dictionary<string, string>(), null, null, null, null);
    }

    // Kubernetes' defaults for a readiness probe, which Istio's WorkloadGroup probe mirrors.
    private static ReadinessProbe Probe(MapReader r) =>
        new(
            r.Int("initialDelaySeconds") ?? 0,
            r.Int("timeoutSeconds") ?? 1,
            r.Int("periodSeconds") ?? 10,
            r.Int("successThreshold") ?? 1,
            r.Int("failureThreshold") ?? 3,
            r.Object("httpGet", h => new HttpProbe(
                h.String("path") ?? "/",
                h.UInt("port") ?? Required(h, "port"),
                h.String("host"),
                (h.String("scheme") ?? "HTTP").ToUpperInvariant(),
                h.List("httpHeaders", header => new KeyValuePair<string, string>(header.String("name", required: true) ?? "", header.String("value") ?? "")))),
            r.Object("tcpSocket", t => new TcpProbe(t.String("host"), t.UInt("port") ?? Required(t, "port"))),
            r.Object("exec", e => new ExecProbe(e.Strings("command"))));

    private static uint Required(MapReader r, string name)
    {
        if (!r.Has(name)) r.Missing(name);
        return 0;
    }
}
