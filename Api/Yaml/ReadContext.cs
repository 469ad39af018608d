using YamlDotNet.RepresentationModel;

namespace Mesh.Api.Yaml;

/// <summary>
/// Per-document state of the typed readers: where errors go and which line each field sits on.
/// Kind and name are stamped onto the errors at the end, once metadata has been read.
/// </summary>
internal sealed class ReadContext(string file, int documentIndex, int lineOffset)
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    public List<ConfigError> Errors { get; } = [];

    public string File { get; } = file;

    public int DocumentIndex { get; } = documentIndex;

    public int Line(YamlNode node) => (int)node.Start.Line + lineOffset;

    public void Record(string path, YamlNode node) => _lines.TryAdd(path, Line(node));

    public void Error(string? path, YamlNode? node, string? value, string message) =>
        Errors.Add(new ConfigError(File, DocumentIndex, null, null, path, value, message, node is null ? null : Line(node)));

    public SourceMap ToSourceMap() => new(new Dictionary<string, int>(_lines, StringComparer.Ordinal));
}
