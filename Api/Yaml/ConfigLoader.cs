namespace Mesh.Api.Yaml;

/// <summary>Loads config from a file or a directory tree, for meshctl and the silo's directory source.</summary>
public static class ConfigLoader
{
    private const int MaxDepth = 32;

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

        return Walk(fileOrDirectory, new HashSet<string>(StringComparer.Ordinal), depth: 0)
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

    /// <summary>
    /// YAML files under a directory. Symlinked directories are followed (a config tree may be
    /// assembled from links) but each real directory is visited once, so a link back up the
    /// tree cannot loop. Dot-entries are skipped: a mounted Kubernetes ConfigMap holds every
    /// file twice, once under its "..data" link, and editors leave hidden swap files behind.
    /// </summary>
    private static IEnumerable<string> Walk(string directory, HashSet<string> visited, int depth)
    {
        var info = new DirectoryInfo(directory);
        var real = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
        if (depth > MaxDepth || !visited.Add(Path.TrimEndingDirectorySeparator(real)))
        {
            yield break;
        }

        var options = new EnumerationOptions { AttributesToSkip = FileAttributes.Hidden | FileAttributes.System, IgnoreInaccessible = true };
        foreach (var file in Entries(() => Directory.EnumerateFiles(directory, "*", options)).Where(IsYaml))
        {
            yield return file;
        }

        foreach (var sub in Entries(() => Directory.EnumerateDirectories(directory, "*", options)))
        {
            foreach (var file in Walk(sub, visited, depth + 1))
            {
                yield return file;
            }
        }
    }

    /// <summary>A directory that vanished or is unreadable (a dangling link, say) contributes nothing rather than failing the load.</summary>
    private static List<string> Entries(Func<IEnumerable<string>> list)
    {
        try
        {
            return list().ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static bool IsYaml(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
}
