namespace Mesh.Api.Tests.Analysis;

/// <summary>Compact builders for the objects analysis tables are made of.</summary>
internal static class AnalysisYaml
{
    public static string Se(string name, string host, string ns = "default", string extra = "") =>
        Doc("ServiceEntry", name, ns, $$"""
            hosts: [{{host}}]
            ports:
            - {number: 80, name: http, protocol: HTTP}
            resolution: STATIC
            endpoints:
            - address: 10.0.0.1
              labels: {version: v1}
            {{extra}}
            """);

    public static string Dr(string name, string host, string ns = "default", string subsets = "v1") =>
        Doc("DestinationRule", name, ns, $"host: {host}\nsubsets:\n"
            + string.Concat(subsets.Split(',').Select(s => $"- name: {s}\n  labels: {{version: {s}}}\n")));

    public static string Vs(string name, string host, string destination, string ns = "default", string extra = "") =>
        Doc("VirtualService", name, ns, $$"""
            hosts: [{{host}}]
            http:
            - route:
              - destination: {{destination}}
            {{extra}}
            """);

    public static string Doc(string kind, string name, string ns, string spec) =>
        $"apiVersion: networking.istio.io/v1\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n"
        + string.Concat(spec.TrimEnd().Split('\n').Select(l => "  " + l + "\n"))
        + "---\n";
}
