namespace Mesh.Api.Yaml;

/// <summary>
/// Field path (<c>spec.http[0].route[1].weight</c>) to 1-based line, for one document. Lets passes
/// that only see the typed model (validation, analysis) still point users at a line.
/// </summary>
public sealed class SourceMap
{
    private readonly IReadOnlyDictionary<string, int> _lines;

    public SourceMap(IReadOnlyDictionary<string, int> lines) => _lines = lines;

    public static SourceMap Empty { get; } = new(new Dictionary<string, int>());

    public int Count => _lines.Count;

    /// <summary>
    /// The line of the path, else of its closest recorded ancestor: a validator may name a field
    /// the user left out, and the enclosing block is the best place to point at.
    /// </summary>
    public int? LineOf(string? fieldPath)
    {
        for (var path = fieldPath; !string.IsNullOrEmpty(path); path = FieldPaths.Parent(path))
        {
            if (_lines.TryGetValue(path, out var line))
            {
                return line;
            }
        }

        return null;
    }
}
