namespace Mesh.Api.Yaml;

/// <summary>
/// Builds the field paths errors carry. Parser and validator must agree on the spelling, or the
/// validator's errors lose their line numbers, so both go through here.
/// </summary>
internal static class FieldPaths
{
    public static string Field(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    /// <summary>A map key: <c>labels.app</c>, or <c>labels["app.kubernetes.io/name"]</c> when dots or slashes would mislead.</summary>
    public static string Key(string parent, string key) =>
        IsPlain(key) ? Field(parent, key) : $"{parent}[\"{key.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"]";

    public static string? Parent(string path)
    {
        if (path.EndsWith("\"]", StringComparison.Ordinal))
        {
            var open = path.LastIndexOf("[\"", StringComparison.Ordinal);
            return open > 0 ? path[..open] : null;
        }

        var cut = Math.Max(path.LastIndexOf('.'), path.EndsWith(']') ? path.LastIndexOf('[') : -1);
        return cut > 0 ? path[..cut] : null;
    }

    private static bool IsPlain(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
