using System.Text.Json;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>Istio YAML and config_dump probes for the fault, mirror and load-balancing tests.</summary>
public static class PolicyConfig
{
    /// <summary>A ServiceEntry with endpoints labelled v1, v2, ... and a DestinationRule with those subsets and a cluster trafficPolicy.</summary>
    /// <param name="trafficPolicy">YAML under trafficPolicy (two-space indented block lines), or null for none.</param>
    public static string Service(string host, string? trafficPolicy, params Backend[] backends)
    {
        var name = host.Split('.')[0];
        var endpoints = string.Concat(backends.Select((b, i) => $$"""

              - address: 127.0.0.1
                ports: {http: {{b.Port}}}
                labels: {version: v{{i + 1}}}
            """));
        var subsets = string.Concat(backends.Select((_, i) => $$"""

              - name: v{{i + 1}}
                labels: {version: v{{i + 1}}}
            """));
        var policy = trafficPolicy is null ? "" : "\n  trafficPolicy:\n" + string.Join('\n', trafficPolicy.Trim('\n').Split('\n').Select(l => "    " + l));
        return $"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: {name}
              namespace: default
            spec:
              hosts: [{host}]
              location: MESH_INTERNAL
              resolution: STATIC
              ports:
              - number: {MeshConfig.ServicePort}
                name: http
                protocol: HTTP
              endpoints:{endpoints}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: {name}
              namespace: default
            spec:
              host: {host}{policy}
              subsets:{subsets}
            """;
    }

    /// <summary>A VirtualService with one http route (YAML lines of the route entry, without the leading "- ").</summary>
    public static string Route(string host, string route) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: {host.Split('.')[0]}
          namespace: default
        spec:
          hosts: [{host}]
          http:
          - {string.Join("\n    ", route.Trim('\n').Split('\n'))}
        """;

    /// <summary>The sidecar's /config_dump entry for the first route of the host's virtual host, or null.</summary>
    public static async Task<JsonElement?> RouteOf(SidecarUnderTest sidecar, string host)
    {
        using var dump = JsonDocument.Parse(await sidecar.Admin.GetStringAsync("/config_dump"));
        foreach (var table in dump.RootElement.GetProperty("route_tables").EnumerateArray())
        {
            foreach (var vhost in table.GetProperty("virtual_hosts").EnumerateArray())
            {
                if (!vhost.GetProperty("domains").EnumerateArray().Any(d => d.GetString() == host)) continue;
                foreach (var route in vhost.GetProperty("routes").EnumerateArray()) return route.Clone();
            }
        }
        return null;
    }

    /// <summary>The lb_policy the sidecar holds for the host's default cluster, or null.</summary>
    public static async Task<string?> LbPolicyOf(SidecarUnderTest sidecar, string host)
    {
        using var dump = JsonDocument.Parse(await sidecar.Admin.GetStringAsync("/config_dump"));
        var name = $"outbound|{MeshConfig.ServicePort}||{host}";
        return dump.RootElement.GetProperty("clusters").EnumerateArray()
            .Where(c => c.GetProperty("name").GetString() == name)
            .Select(c => c.GetProperty("lb_policy").GetString())
            .FirstOrDefault();
    }
}
