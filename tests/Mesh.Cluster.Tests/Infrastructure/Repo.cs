namespace Mesh.Cluster.Tests.Infrastructure;

/// <summary>Paths of the repository's built programs, found from this test assembly's own output folder.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    private static string Bin => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Name;

    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;

    public static string SiloDll => Path.Combine(Root, "Silo", "bin", Configuration, Bin, "Mesh.Silo.dll");

    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("Mesh.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The full path of a command on PATH, or null.</summary>
    public static string? Which(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, command)).FirstOrDefault(File.Exists);
}
