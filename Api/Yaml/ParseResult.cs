using Mesh.Api.Model;

namespace Mesh.Api.Yaml;

/// <summary>
/// What one file parsed into. Objects holds only documents without any error; a document with an
/// error is rejected whole and only shows up in Errors. SourceMaps is keyed by document index
/// (see <see cref="ConfigOrigin.DocumentIndex"/>) so later passes can point at lines too.
/// </summary>
public sealed record ParseResult(string File, IReadOnlyList<ConfigObject> Objects, IReadOnlyList<ConfigError> Errors)
{
    /// <summary>Documents seen in the file, empty ones included: the next free document index.</summary>
    public int DocumentCount { get; init; }

    public IReadOnlyDictionary<int, SourceMap> SourceMaps { get; init; } = new Dictionary<int, SourceMap>();

    public bool IsValid => Errors.Count == 0;

    /// <summary>Line of a field in a document, or of its nearest ancestor that has one.</summary>
    public int? LineOf(int documentIndex, string? fieldPath) =>
        SourceMaps.TryGetValue(documentIndex, out var map) ? map.LineOf(fieldPath) : null;
}
