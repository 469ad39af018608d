using System.CommandLine;
using System.Text.Json;
using Mesh.Cli.ControlPlane;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary>
/// `meshctl proxy-status [proxy-id]`: each connection's silo and per-type sync state, as istioctl's,
/// one row per connection: proxies that share a node id are separate rows, told apart by CONNECTION.
/// </summary>
public static class ProxyStatusCommand
{
    private static readonly string[] Types = ["CDS", "LDS", "EDS", "RDS"];

    public static Command Create()
    {
        var proxy = new Argument<string?>("proxy-id") { Description = "Show only this proxy (its connections) or this connection.", Arity = ArgumentArity.ZeroOrOne };
        var controlPlane = CommonOptions.ControlPlane();
        var output = CommonOptions.Output();
        var command = new Command("proxy-status", "Each proxy connection's sync state per xDS type: SYNCED, STALE, NACKED, NOT SENT.")
        {
            proxy, controlPlane, output,
        };
        command.Aliases.Add("ps");
        command.SetAction(async (parse, cancel) =>
        {
            var rows = await CommonOptions.Client(parse.GetValue(controlPlane)!).SyncAsync(cancel);
            var id = parse.GetValue(proxy);
            if (id is not null)
            {
                rows = [.. rows.Where(r => r.ProxyId == id || r.ConnectionId == id)];
                if (rows.Count == 0)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"meshctl: proxy \"{id}\" is not connected to the control plane");
                    return 1;
                }
            }
            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                await writer.WriteLineAsync(JsonSerializer.Serialize(rows, new JsonSerializerOptions(ControlPlaneClient.Json) { WriteIndented = true }));
                return 0;
            }
            var table = new Table().NoBorder().AddColumns(["NAME", "CONNECTION", "SILO", .. Types, "NACK"]);
            foreach (var row in rows.OrderBy(r => r.ProxyId, StringComparer.Ordinal).ThenBy(r => r.ConnectedAt))
            {
                var nack = row.Types.FirstOrDefault(t => t.NackMessage is not null);
                table.AddRow([
                    Markup.Escape(row.ProxyId), Markup.Escape(row.ConnectionId), Markup.Escape(row.Silo),
                    .. Types.Select(t => Markup.Escape(Cell(row, t))),
                    Markup.Escape(nack is null ? "" : $"{nack.Type}: {nack.NackMessage}"),
                ]);
            }
            Console(writer).Write(table);
            return 0;
        });
        return command;
    }

    /// <summary>"SYNCED (v1a2b)" as istioctl prints it; "NOT SENT" for a type never requested.</summary>
    public static string Cell(SyncRow row, string type)
    {
        var t = row.Types.FirstOrDefault(x => x.Type == type);
        if (t is null) return "NOT SENT";
        var version = t.Status == "NACKED" ? t.NackVersion ?? t.VersionSent : t.VersionSent;
        return version is null ? t.Status : $"{t.Status} ({version})";
    }

    /// <summary>A plain console on the command's writer: no colour codes, wide enough that ids are not wrapped.</summary>
    internal static IAnsiConsole Console(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 400;
        return console;
    }
}
