using System.Diagnostics;

namespace Mesh.Interop.Tests.Infrastructure;

/// <summary>Where things are: the repo root (the folder holding Mesh.sln), the silo build, the Node tools.</summary>
public static class Repo
{
    private static readonly SemaphoreSlim NpmGate = new(1, 1);

    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration of this test assembly (bin/&lt;Configuration&gt;/net10.0), so the silo under test matches it.</summary>
    public static string Configuration { get; } = ConfigurationOf(AppContext.BaseDirectory);

    public static string SiloDll => Path.Combine(Root, "Silo", "bin", Configuration, "net10.0", "Mesh.Silo.dll");

    public static string NodeToolsDir => Path.Combine(Root, "tests", "interop", "node");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Mesh.sln above {AppContext.BaseDirectory}");
    }

    private static string ConfigurationOf(string baseDirectory)
    {
        // .../bin/<Configuration>/net10.0/
        var tfmDir = new DirectoryInfo(baseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var configuration = tfmDir.Parent;
        if (configuration?.Parent?.Name != "bin")
            throw new InvalidOperationException($"cannot tell the build configuration from {baseDirectory} (expected bin/<Configuration>/<tfm>)");
        return configuration.Name;
    }

    /// <summary>Installs the pinned npm packages (package-lock.json at the repo root) unless already there.</summary>
    public static async Task EnsureNodeModulesAsync()
    {
        var marker = Path.Combine(Root, "node_modules", "@grpc", "grpc-js-xds", "package.json");
        if (File.Exists(marker)) return;
        await NpmGate.WaitAsync();
        try
        {
            if (File.Exists(marker)) return;
            await using var npm = ChildProcess.Start("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], "npm ci", Root);
            var code = await npm.WaitForExitAsync(TimeSpan.FromMinutes(5));
            if (code != 0 || !File.Exists(marker))
                throw new InvalidOperationException($"npm ci failed (exit {code}) in {Root}\n{npm.Output()}");
        }
        finally
        {
            NpmGate.Release();
        }
    }

    /// <summary>The dotnet host running these tests (the SDK sets DOTNET_HOST_PATH), else "dotnet" from PATH.</summary>
    public static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }

    public static string Describe(Process p) => $"{p.StartInfo.FileName} {string.Join(' ', p.StartInfo.ArgumentList)}";
}
