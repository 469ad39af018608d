using System.CommandLine;
using Mesh.Cli.ControlPlane;

namespace Mesh.Cli.Commands;

public enum OutputFormat { Table, Json }

/// <summary>Options shared by the commands that talk to the control plane.</summary>
public static class CommonOptions
{
    public static Option<string> ControlPlane() => new("--control-plane")
    {
        Description = "The control plane's HTTP address (its debug/metrics port). Env: MESH_CONTROL_PLANE.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MESH_CONTROL_PLANE") ?? "http://localhost:15014",
    };

    public static Option<OutputFormat> Output() => new("--output", "-o")
    {
        Description = "Output format: table or json.",
        DefaultValueFactory = _ => OutputFormat.Table,
    };

    public static ControlPlaneClient Client(string address) =>
        new(new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(15) });
}
