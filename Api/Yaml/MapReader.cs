using YamlDotNet.RepresentationModel;

namespace Mesh.Api.Yaml;

/// <summary>
/// Reads the fields of one YAML mapping. Every field asked for is remembered, so that
/// <see cref="Finish"/> can report each field nobody asked for instead of silently dropping it.
/// Missing or null fields read as null (or empty collections).
/// </summary>
internal sealed class MapReader
{
    private readonly ReadContext _ctx;
    private readonly YamlMappingNode _node;
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> _fields = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    private MapReader(ReadContext ctx, YamlMappingNode node, string path)
    {
        _ctx = ctx;
        _node = node;
        Path = path;
        foreach (var (key, value) in node.Children)
        {
            if (key is YamlScalarNode { Value: { } name })
            {
                _fields[name] = (key, value);
            }
            else
            {
                ctx.Error(path, key, null, "field names must be strings");
            }
        }
    }

    public string Path { get; }

    public ReadContext Context => _ctx;

    public YamlMappingNode Node => _node;

    public static MapReader? Open(ReadContext ctx, YamlNode node, string path)
    {
        if (node is YamlMappingNode mapping)
        {
            return new MapReader(ctx, mapping, path);
        }

        ctx.Error(path, node, null, $"expected a mapping, got {YamlNodes.Describe(node)}");
        return null;
    }

    public string Child(string name) => FieldPaths.Field(Path, name);

    public bool Has(string name) => _fields.TryGetValue(name, out var field) && !YamlNodes.IsNull(field.Value);

    /// <summary>The value node of a field (null when absent or null), marking the field as known.</summary>
    public YamlNode? Field(string name)
    {
        _known.Add(name);
        if (!_fields.TryGetValue(name, out var field) || YamlNodes.IsNull(field.Value))
        {
            return null;
        }

        _ctx.Record(Child(name), field.Key);
        return field.Value;
    }

    /// <summary>Reports a missing required field at the enclosing mapping's line.</summary>
    public void Missing(string name, string? message = null) =>
        _ctx.Error(Child(name), _node, null, message ?? $"{name} is required");

    public string? String(string name, bool required = false)
    {
        var node = Field(name);
        if (node is null)
        {
            if (required)
            {
                Missing(name);
            }

            return null;
        }

        return Scalars.Text(_ctx, node, Child(name));
    }

    public int? Int(string name) => Field(name) is { } node ? (int?)Scalars.Integer(_ctx, node, Child(name), int.MinValue, int.MaxValue) : null;

    public uint? UInt(string name) => Field(name) is { } node ? (uint?)Scalars.Integer(_ctx, node, Child(name), 0, uint.MaxValue) : null;

    public ulong? ULong(string name) => Field(name) is { } node ? (ulong?)Scalars.Integer(_ctx, node, Child(name), 0, long.MaxValue) : null;

    public bool? Bool(string name) => Field(name) is { } node ? Scalars.Bool(_ctx, node, Child(name)) : null;

    public TimeSpan? Duration(string name) => Field(name) is { } node ? Scalars.Duration(_ctx, node, Child(name)) : null;

    public T? Enum<T>(string name, IReadOnlyDictionary<string, T> names)
        where T : struct =>
        Field(name) is { } node ? Scalars.Enum(_ctx, node, Child(name), names) : null;

    public MapReader? Map(string name) => Field(name) is { } node ? Open(_ctx, node, Child(name)) : null;

    /// <summary>Reads a nested mapping with <paramref name="read"/> and checks it for unknown fields.</summary>
    public T? Object<T>(string name, Func<MapReader, T?> read)
        where T : class
    {
        var map = Map(name);
        if (map is null)
        {
            return null;
        }

        var value = read(map);
        map.Finish();
        return value;
    }

    /// <summary>Like <see cref="Object{T}"/>, for a nested mapping that reads into a value type.</summary>
    public T? Struct<T>(string name, Func<MapReader, T?> read)
        where T : struct
    {
        var map = Map(name);
        if (map is null)
        {
            return null;
        }

        var value = read(map);
        map.Finish();
        return value;
    }

    public IReadOnlyList<YamlNode> Items(string name, out string path)
    {
        path = Child(name);
        var node = Field(name);
        switch (node)
        {
            case null:
                return [];
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    _ctx.Record(FieldPaths.Index(path, i), sequence.Children[i]);
                }

                return sequence.Children.ToList();
            default:
                _ctx.Error(path, node, null, $"expected a list, got {YamlNodes.Describe(node)}");
                return [];
        }
    }

    public IReadOnlyList<string> Strings(string name)
    {
        var items = Items(name, out var path);
        var values = new List<string>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (Scalars.Text(_ctx, items[i], FieldPaths.Index(path, i)) is { } text)
            {
                values.Add(text);
            }
        }

        return values;
    }

    /// <summary>Reads a list of mappings; each element is checked for unknown fields.</summary>
    public IReadOnlyList<T> List<T>(string name, Func<MapReader, T> read)
    {
        var items = Items(name, out var path);
        var values = new List<T>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (Open(_ctx, items[i], FieldPaths.Index(path, i)) is { } element)
            {
                values.Add(read(element));
                element.Finish();
            }
        }

        return values;
    }

    /// <summary>Reads a mapping of user-chosen keys (labels, headers) with a reader per value.</summary>
    public IReadOnlyDictionary<string, T> Entries<T>(string name, Func<YamlNode, string, T?> read)
    {
        var values = new Dictionary<string, T>(StringComparer.Ordinal);
        var map = Map(name);
        if (map is null)
        {
            return values;
        }

        foreach (var (key, (keyNode, valueNode)) in map._fields)
        {
            var path = FieldPaths.Key(map.Path, key);
            _ctx.Record(path, keyNode);
            if (read(valueNode, path) is { } value)
            {
                values[key] = value;
            }
        }

        return values;
    }

    public IReadOnlyDictionary<string, string> StringMap(string name) =>
        Entries(name, (node, path) => YamlNodes.IsNull(node) ? "" : Scalars.Text(_ctx, node, path));

    public IReadOnlyDictionary<string, uint> PortMap(string name) => UIntMap(name);

    public IReadOnlyDictionary<string, uint> UIntMap(string name) =>
        Entries(name, (node, path) => (uint?)Scalars.Integer(_ctx, node, path, 0, uint.MaxValue))
            .ToDictionary(kv => kv.Key, kv => kv.Value!.Value, StringComparer.Ordinal);

    /// <summary>Fields Istio defines that this control plane does not implement: an error, never a silent drop.</summary>
    public void Unsupported(params string[] names)
    {
        foreach (var name in names)
        {
            _known.Add(name);
            if (_fields.TryGetValue(name, out var field))
            {
                _ctx.Error(Child(name), field.Key, null, $"field {name} is not supported yet");
            }
        }
    }

    /// <summary>Fields accepted and deliberately ignored (server-populated metadata, status).</summary>
    public void Ignore(params string[] names)
    {
        foreach (var name in names)
        {
            _known.Add(name);
        }
    }

    public void Finish()
    {
        foreach (var (name, (key, _)) in _fields)
        {
            if (_known.Contains(name))
            {
                continue;
            }

            var near = _known.Where(k => Distance(k, name) <= 2).OrderBy(k => Distance(k, name)).FirstOrDefault();
            var hint = near is null ? "" : $" (did you mean \"{near}\"?)";
            _ctx.Error(Child(name), key, null, $"unknown field \"{name}\"{hint}");
        }
    }

    /// <summary>Edit distance, to suggest the field a typo meant; field names are short, so O(n*m) is fine.</summary>
    private static int Distance(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
