using System.Text.Json.Nodes;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>Istio custom resources as the API server stores them (JSON), for the fake API server.</summary>
public static class IstioCrs
{
    public static string VirtualService(string ns, string name, string host, string destination, int weight = 100, string? subset = null) => Cr(
        "VirtualService",
        new JsonObject
        {
            ["name"] = name,
            ["namespace"] = ns,
            // What the API server and tools add: not config, and must not trip the parser.
            ["uid"] = $"u-{name}",
            ["generation"] = 1,
            ["creationTimestamp"] = "2026-01-01T00:00:00Z",
            ["finalizers"] = new JsonArray("keep"),
            ["annotations"] = new JsonObject { ["kubectl.kubernetes.io/last-applied-configuration"] = "{}" },
        },
        new JsonObject
        {
            ["hosts"] = new JsonArray(host),
            ["http"] = new JsonArray(new JsonObject
            {
                ["route"] = new JsonArray(new JsonObject
                {
                    ["destination"] = subset is null ? new JsonObject { ["host"] = destination } : new JsonObject { ["host"] = destination, ["subset"] = subset },
                    ["weight"] = weight,
                }),
            }),
        });

    public static string ServiceEntry(string ns, string name, string host, uint port, string? address = null, string? selectApp = null)
    {
        var spec = new JsonObject
        {
            ["hosts"] = new JsonArray(host),
            ["location"] = "MESH_INTERNAL",
            ["resolution"] = "STATIC",
            ["ports"] = new JsonArray(new JsonObject { ["number"] = port, ["name"] = "http", ["protocol"] = "HTTP" }),
        };
        if (address is not null)
            spec["endpoints"] = new JsonArray(new JsonObject { ["address"] = address, ["labels"] = new JsonObject { ["version"] = "v1" } });
        if (selectApp is not null)
            spec["workloadSelector"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = selectApp } };
        return Cr("ServiceEntry", Meta(ns, name), spec);
    }

    public static string DestinationRule(string ns, string name, string host, params string[] subsets) => Cr(
        "DestinationRule",
        Meta(ns, name),
        new JsonObject
        {
            ["host"] = host,
            ["subsets"] = new JsonArray([.. subsets.Select(s => (JsonNode)new JsonObject { ["name"] = s, ["labels"] = new JsonObject { ["version"] = s } })]),
        });

    public static string WorkloadEntry(string ns, string name, string address, string app, bool? healthy = null)
    {
        var spec = new JsonObject { ["address"] = address, ["labels"] = new JsonObject { ["app"] = app } };
        JsonObject? status = healthy is { } h
            ? new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Healthy",
                    ["status"] = h ? "True" : "False",
                    ["lastProbeTime"] = "2026-01-01T00:00:00Z",
                }),
            }
            : null;
        return Cr("WorkloadEntry", Meta(ns, name), spec, status);
    }

    private static JsonObject Meta(string ns, string name) => new() { ["name"] = name, ["namespace"] = ns };

    private static string Cr(string kind, JsonObject metadata, JsonObject spec, JsonObject? status = null)
    {
        var cr = new JsonObject
        {
            ["apiVersion"] = "networking.istio.io/v1",
            ["kind"] = kind,
            ["metadata"] = metadata,
            ["spec"] = spec,
        };
        if (status is not null) cr["status"] = status;
        return cr.ToJsonString();
    }
}
