using Mesh.Cli;

namespace Mesh.Cli.Tests.Commands;

/// <summary>Runs meshctl in-process with captured output.</summary>
public static class MeshCtlRunner
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await MeshCtl.RunAsync(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Mesh.sln not found above " + AppContext.BaseDirectory);
    }
}
