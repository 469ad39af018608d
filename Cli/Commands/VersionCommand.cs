using System.CommandLine;
using System.Reflection;
using System.Text.Json;

namespace Mesh.Cli.Commands;

/// <summary>`meshctl version`: this client's version and, when reachable, the control plane's.</summary>
public static class VersionCommand
{
    public static string ClientVersion { get; } =
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static Command Create()
    {
        var controlPlane = CommonOptions.ControlPlane();
        var output = CommonOptions.Output();
        var remote = new Option<bool>("--remote") { Description = "Also ask the control plane for its version.", DefaultValueFactory = _ => true };
        var command = new Command("version", "Print meshctl's version and the control plane's.") { controlPlane, output, remote };
        command.SetAction(async (parse, cancel) =>
        {
            string? server = null;
            string? error = null;
            if (parse.GetValue(remote))
            {
                try { server = await CommonOptions.Client(parse.GetValue(controlPlane)!).VersionAsync(cancel); }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ControlPlane.ControlPlaneException) { error = ex.Message; }
            }
            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(output) == OutputFormat.Json)
                await writer.WriteLineAsync(JsonSerializer.Serialize(new { client = ClientVersion, controlPlane = server, controlPlaneError = error }));
            else
            {
                await writer.WriteLineAsync($"client version: {ClientVersion}");
                if (parse.GetValue(remote))
                    await writer.WriteLineAsync(server is not null ? $"control plane version: {server}" : $"control plane: unreachable ({error})");
            }
            return 0;
        });
        return command;
    }
}
