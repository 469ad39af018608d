namespace Mesh.Benchmarks;

/// <summary>
/// Finds files of the repository. BenchmarkDotNet runs each benchmark in a child process from a
/// generated folder under bin/, so paths are found by walking up to Mesh.sln, not assumed.
/// </summary>
public static class RepoFiles
{
    public static string Sample(string name) => File.ReadAllText(Path.Combine(Root(), "samples", "config", name));

    private static string Root()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Mesh.sln not found above {AppContext.BaseDirectory}");
    }
}
