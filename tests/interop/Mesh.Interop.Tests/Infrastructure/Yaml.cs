using System.Globalization;
using System.Text;

namespace Mesh.Interop.Tests.Infrastructure;

/// <summary>The Istio config the tests write. Hand-readable on purpose: what you see is what the silo reads.</summary>
public static class Yaml
{
    /// <summary>A MESH_INTERNAL, STATIC ServiceEntry for the host on port 50051 (GRPC), one endpoint per backend labelled version: &lt;name&gt;.</summary>
    public static string ServiceEntry(string host, params BackendProcess[] backends)
    {
        var sb = new StringBuilder($$$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: {{{Name(host)}}}, namespace: default}
            spec:
              hosts: [{{{host}}}]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: {{{TestScope.Port}}}, name: grpc, protocol: GRPC}]
              endpoints:

            """);
        foreach (var b in backends)
            sb.Append(CultureInfo.InvariantCulture, $$$"""
                  - {address: 127.0.0.1, ports: {grpc: {{{b.Port}}}}, labels: {version: {{{b.Name}}}}}

                """);
        return sb.ToString();
    }

    /// <summary>A DestinationRule with one subset per name (label version: name), plus an optional trafficPolicy block.</summary>
    public static string DestinationRule(string host, IEnumerable<string> subsets, string? trafficPolicy = null)
    {
        var list = string.Join(", ", subsets.Select(s => $$$"""{name: {{{s}}}, labels: {version: {{{s}}}}}"""));
        var policy = trafficPolicy is null ? "" : "  trafficPolicy:\n" + Indent(trafficPolicy, 4);
        return $$$"""
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: {{{Name(host)}}}, namespace: default}
            spec:
              host: {{{host}}}
              subsets: [{{{list}}}]

            """ + policy;
    }

    /// <summary>A VirtualService for the host; <paramref name="http"/> is the YAML list under spec.http.</summary>
    public static string VirtualService(string host, string http) => $$$"""
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: {{{Name(host)}}}, namespace: default}
        spec:
          hosts: [{{{host}}}]
          http:

        """ + Indent(http, 2);

    private static string Name(string host) => host.Split('.')[0];

    /// <summary>Re-indents a block (its common leading whitespace removed) by <paramref name="spaces"/>.</summary>
    private static string Indent(string block, int spaces)
    {
        var pad = new string(' ', spaces);
        var lines = block.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        var common = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join('\n', lines.Select(l => l.Trim().Length == 0 ? "" : pad + l[common..])) + "\n";
    }
}
