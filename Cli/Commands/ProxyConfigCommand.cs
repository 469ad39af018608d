using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary>
/// `meshctl proxy-config cluster|listener|route|endpoint &lt;proxy-id|connection-id&gt;`: what a proxy was
/// sent, as istioctl's. A proxy id that several connections share shows the newest, with a note on stderr.
/// </summary>
public static class ProxyConfigCommand
{
    private static readonly Dictionary<string, string> TypeOf = new(StringComparer.Ordinal)
    {
        ["cluster"] = "CDS", ["listener"] = "LDS", ["route"] = "RDS", ["endpoint"] = "EDS",
    };

    public static Command Create()
    {
        var command = new Command("proxy-config", "The clusters, listeners, routes or endpoints a proxy was sent.");
        command.Aliases.Add("pc");
        foreach (var (name, type) in TypeOf) command.Subcommands.Add(Sub(name, type));
        return command;
    }

    private static Command Sub(string name, string type)
    {
        var proxy = new Argument<string>("proxy-id") { Description = "The proxy's node id or one connection's id, as proxy-status lists them." };
        var controlPlane = CommonOptions.ControlPlane();
        var output = CommonOptions.Output();
        var command = new Command(name, $"The {name}s (xDS {type}) a proxy was sent.") { proxy, controlPlane, output };
        command.SetAction(async (parse, cancel) =>
        {
            var id = parse.GetValue(proxy)!;
            var dump = await CommonOptions.Client(parse.GetValue(controlPlane)!).ConfigDumpAsync(id, cancel);
            if (dump is null)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"meshctl: proxy \"{id}\" is not known to the control plane");
                return 1;
            }
            // On stderr, so that -o json output stays parseable.
            if (dump["note"]?.ToString() is { Length: > 0 } note) await parse.InvocationConfiguration.Error.WriteLineAsync($"meshctl: {note}");
            var resources = dump["types"]?[type]?["resources"]?.AsArray() ?? [];
            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                await writer.WriteLineAsync(resources.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            ProxyStatusCommand.Console(writer).Write(ProxyConfigTables.For(name, resources));
            return 0;
        });
        return command;
    }
}

/// <summary>The tables, one per resource kind, with istioctl's columns.</summary>
public static class ProxyConfigTables
{
    public static Table For(string kind, JsonArray resources) => kind switch
    {
        "cluster" => Clusters(resources),
        "listener" => Listeners(resources),
        "route" => Routes(resources),
        _ => Endpoints(resources),
    };

    private static Table Clusters(JsonArray resources)
    {
        var table = new Table().NoBorder().AddColumns("SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE", "LB");
        foreach (var c in resources.OfType<JsonNode>())
        {
            var name = Str(c["name"]);
            var parts = name.Split('|');
            var (direction, port, subset, host) = parts.Length == 4 ? (parts[0], parts[1], parts[2], parts[3]) : ("-", "-", "-", name);
            table.AddRow(E(host), E(port), E(subset.Length == 0 ? "-" : subset), E(direction), E(Str(c["type"], "EDS")), E(Str(c["lbPolicy"], "ROUND_ROBIN")));
        }
        return table;
    }

    private static Table Listeners(JsonArray resources)
    {
        var table = new Table().NoBorder().AddColumns("NAME", "ADDRESS", "PORT", "TYPE");
        foreach (var l in resources.OfType<JsonNode>())
        {
            var socket = l["address"]?["socketAddress"];
            var api = l["apiListener"] is not null;
            table.AddRow(E(Str(l["name"])), E(api ? "-" : Str(socket?["address"])), E(api ? "-" : Str(socket?["portValue"])), api ? "api_listener (proxyless gRPC)" : "HTTP");
        }
        return table;
    }

    private static Table Routes(JsonArray resources)
    {
        var table = new Table().NoBorder().AddColumns("NAME", "VIRTUAL HOST", "DOMAINS", "MATCH", "ACTION");
        foreach (var r in resources.OfType<JsonNode>())
            foreach (var vh in r["virtualHosts"]?.AsArray().OfType<JsonNode>() ?? [])
                foreach (var route in vh["routes"]?.AsArray().OfType<JsonNode>() ?? [])
                    table.AddRow(E(Str(r["name"])), E(Str(vh["name"])), E(string.Join(",", vh["domains"]?.AsArray().Select(d => Str(d)) ?? [])),
                        E(Match(route["match"])), E(Action(route)));
        return table;
    }

    private static Table Endpoints(JsonArray resources)
    {
        var table = new Table().NoBorder().AddColumns("ENDPOINT", "STATUS", "LOCALITY", "WEIGHT", "CLUSTER");
        foreach (var cla in resources.OfType<JsonNode>())
            foreach (var locality in cla["endpoints"]?.AsArray().OfType<JsonNode>() ?? [])
                foreach (var lb in locality["lbEndpoints"]?.AsArray().OfType<JsonNode>() ?? [])
                {
                    var socket = lb["endpoint"]?["address"]?["socketAddress"];
                    var loc = locality["locality"];
                    table.AddRow(E($"{Str(socket?["address"])}:{Str(socket?["portValue"])}"), E(Str(lb["healthStatus"], "HEALTHY")),
                        E(loc is null ? "-" : $"{Str(loc["region"])}/{Str(loc["zone"])}/{Str(loc["subZone"])}"),
                        E(Str(lb["loadBalancingWeight"], "1")), E(Str(cla["clusterName"])));
                }
        return table;
    }

    private static string Match(JsonNode? match)
    {
        if (match is null) return "/*";
        if (match["path"] is { } path) return Str(path);
        if (match["prefix"] is { } prefix) return Str(prefix) + "*";
        if (match["safeRegex"]?["regex"] is { } regex) return "regex " + Str(regex);
        return "/*";
    }

    private static string Action(JsonNode route)
    {
        if (route["route"]?["cluster"] is { } cluster) return Str(cluster);
        if (route["route"]?["weightedClusters"]?["clusters"] is JsonArray weighted)
            return string.Join(", ", weighted.OfType<JsonNode>().Select(w => $"{Str(w["name"])} {Str(w["weight"])}"));
        if (route["redirect"] is not null) return "redirect";
        if (route["directResponse"] is { } direct) return $"direct {Str(direct["status"])}";
        return "-";
    }

    private static string Str(JsonNode? node, string fallback = "") => node?.ToString() is { Length: > 0 } s ? s : fallback;

    private static string E(string s) => Markup.Escape(s);
}
