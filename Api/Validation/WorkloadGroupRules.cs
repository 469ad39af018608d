using Mesh.Api.Model;

namespace Mesh.Api.Validation;

/// <summary>Checks a WorkloadGroup spec as istioctl does: a template without an address, one probe kind, sane timings.</summary>
internal static class WorkloadGroupRules
{
    public static void Check(Findings f, WorkloadGroupSpec spec)
    {
        CommonRules.Labels(f, "spec.metadata.labels", spec.Metadata.Labels);
        if (spec.Template.Address.Length > 0)
            f.Add("spec.template.address", spec.Template.Address, "address must not be set in a template: each workload's comes from its proxy");
        foreach (var (name, port) in spec.Template.Ports) CommonRules.Port(f, Mesh.Api.Yaml.FieldPaths.Key("spec.template.ports", name), port);
        CommonRules.Labels(f, "spec.template.labels", spec.Template.Labels);
        if (spec.Probe is { } probe) Probe(f, probe);
    }

    private static void Probe(Findings f, ReadinessProbe probe)
    {
        var kinds = (probe.HttpGet is null ? 0 : 1) + (probe.TcpSocket is null ? 0 : 1) + (probe.Exec is null ? 0 : 1);
        if (kinds != 1) f.Add("spec.probe", null, "exactly one of httpGet, tcpSocket or exec must be set");
        NonNegative(f, "spec.probe.initialDelaySeconds", probe.InitialDelaySeconds);
        Positive(f, "spec.probe.timeoutSeconds", probe.TimeoutSeconds);
        Positive(f, "spec.probe.periodSeconds", probe.PeriodSeconds);
        Positive(f, "spec.probe.successThreshold", probe.SuccessThreshold);
        Positive(f, "spec.probe.failureThreshold", probe.FailureThreshold);
        if (probe.HttpGet is { } http)
        {
            CommonRules.Port(f, "spec.probe.httpGet.port", http.Port);
            if (http.Scheme is not ("HTTP" or "HTTPS")) f.Add("spec.probe.httpGet.scheme", http.Scheme, "scheme must be HTTP or HTTPS");
            if (!http.Path.StartsWith('/')) f.Add("spec.probe.httpGet.path", http.Path, "path must start with /");
        }
        if (probe.TcpSocket is { } tcp) CommonRules.Port(f, "spec.probe.tcpSocket.port", tcp.Port);
        if (probe.Exec is { Command.Count: 0 }) f.Add("spec.probe.exec.command", null, "command is required");
    }

    private static void NonNegative(Findings f, string path, int value)
    {
        if (value < 0) f.Add(path, value.ToString(System.Globalization.CultureInfo.InvariantCulture), "must not be negative");
    }

    private static void Positive(Findings f, string path, int value)
    {
        if (value <= 0) f.Add(path, value.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be at least 1");
    }
}
