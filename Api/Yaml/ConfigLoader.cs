namespace Mesh.Api.Yaml;

/// <summary>Loads config from a file or a directory tree, for meshctl and the silo's directory source.</summary>
public static class ConfigLoader
{
    /// <summary>
    /// Parses one file, or every *.yaml / *.yml file under a directory (recursively, sorted by
    /// path so document order and error order are stable). A file that cannot be read becomes
    /// a ConfigError of its own rather than aborting the load.
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither a file nor a directory exists at the path.</exception>
    public static IReadOnlyList<ParsedFile> LoadPath(string fileOrDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileOrDirectory);
        if (File.Exists(fileOrDirectory))
        {
            return [Load(fileOrDirectory)];
        }

        if (!Directory.Exists(fileOrDirectory))
        {
            throw new FileNotFoundException($"no config file or directory at {fileOrDirectory}", fileOrDirectory);
        }

        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            // Dot-entries are skipped: a mounted Kubernetes ConfigMap holds every file twice, once
            // under its "..data" link, and editors leave hidden swap files behind.
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
            IgnoreInaccessible = true,
        };
        return Directory.EnumerateFiles(fileOrDirectory, "*", options)
            .Where(IsYaml)
            .Where(path => !HasHiddenSegment(Path.GetRelativePath(fileOrDirectory, path)))
            .Order(StringComparer.Ordinal)
            .Select(Load)
            .ToList();
    }

    public static ParsedFile Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var error = new ConfigError(path, -1, null, null, null, null, $"cannot read file: {e.Message}", null);
            return new ParsedFile(path, new ParseResult(path, [], [error]));
        }

        return new ParsedFile(path, ConfigParser.Parse(path, text));
    }

    private static bool IsYaml(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    private static bool HasHiddenSegment(string relativePath) =>
        relativePath.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(s => s.StartsWith('.'));
}
