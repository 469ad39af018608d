using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Registries.File;

/// <summary>
/// The last good config of each file. A document that fails validation is rejected and the
/// object it would have replaced (same kind/namespace/name, same file) keeps being served; a file
/// that is not YAML at all keeps all it served before. Not thread-safe: one source owns it.
/// </summary>
public sealed class FileConfigStore
{
    private readonly Dictionary<string, IReadOnlyList<ConfigObject>> _byFile = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<ConfigError>> _errors = new(StringComparer.Ordinal);

    public IReadOnlyList<ConfigError> Errors => [.. _errors.Values.SelectMany(e => e)];

    /// <summary>Applies a file's new text; returns the errors it had (empty when it was all accepted).</summary>
    public IReadOnlyList<ConfigError> Apply(string file, string text)
    {
        var parsed = ConfigParser.Parse(file, text);
        var previous = _byFile.GetValueOrDefault(file) ?? [];
        var accepted = parsed.Objects.ToList();
        if (parsed.Errors.Count > 0)
        {
            var acceptedKeys = accepted.Select(o => o.Meta.Key).ToHashSet(StringComparer.Ordinal);
            var unidentified = parsed.Errors.Any(e => e.Kind is null || e.Name is null);
            var rejectedKeys = parsed.Errors.Where(e => e.Kind is not null && e.Name is not null)
                .Select(e => $"{e.Kind}/{e.Namespace ?? "default"}/{e.Name}").ToHashSet(StringComparer.Ordinal);
            // Keep what the rejected documents would have replaced (or, if we cannot tell, everything not re-accepted).
            accepted.AddRange(previous.Where(o => !acceptedKeys.Contains(o.Meta.Key) && (unidentified || rejectedKeys.Contains(o.Meta.Key))));
            _errors[file] = parsed.Errors;
        }
        else
        {
            _errors.Remove(file);
        }
        _byFile[file] = accepted;
        return parsed.Errors;
    }

    public void Remove(string file)
    {
        _byFile.Remove(file);
        _errors.Remove(file);
    }

    public IReadOnlyCollection<string> Files => _byFile.Keys;

    /// <summary>All served objects; an object defined in two files is taken from the first by path.</summary>
    public MeshConfig Snapshot()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var objects = _byFile.OrderBy(f => f.Key, StringComparer.Ordinal).SelectMany(f => f.Value).Where(o => seen.Add(o.Meta.Key));
        return MeshConfig.From(objects);
    }
}
