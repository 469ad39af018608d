using System.CommandLine;
using Mesh.Cli.Commands;
using Mesh.Cli.ControlPlane;

namespace Mesh.Cli;

/// <summary>The meshctl command tree; writers are parameters so tests run it in-process.</summary>
public static class MeshCtl
{
    public static RootCommand Build() => new("meshctl: the Mesh control plane's command line, with istioctl's habits.")
    {
        AnalyzeCommand.Create(),
        ProxyStatusCommand.Create(),
        ProxyConfigCommand.Create(),
        VersionCommand.Create(),
        WorkloadCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var parse = Build().Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ControlPlaneException)
        {
            await error.WriteLineAsync($"meshctl: cannot read the control plane: {ex.Message}");
            return 1;
        }
    }
}
