using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Mesh.Api.Yaml;

/// <summary>
/// Converts scalar nodes to typed values, reporting a precise error (and returning null) when the
/// text does not fit. Numbers may be quoted, as protobuf's JSON mapping allows.
/// </summary>
internal static class Scalars
{
    public static string? Text(ReadContext ctx, YamlNode node, string path)
    {
        if (node is YamlScalarNode scalar)
        {
            return scalar.Value ?? "";
        }

        ctx.Error(path, node, null, $"expected a string, got {YamlNodes.Describe(node)}");
        return null;
    }

    public static long? Integer(ReadContext ctx, YamlNode node, string path, long min, long max)
    {
        var text = Text(ctx, node, path);
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            ctx.Error(path, node, text, "expected an integer");
            return null;
        }

        if (value < min || value > max)
        {
            ctx.Error(path, node, text, min == 0 ? $"expected a non-negative integer up to {max}" : $"expected an integer in [{min}, {max}]");
            return null;
        }

        return value;
    }

    public static double? Number(ReadContext ctx, YamlNode node, string path)
    {
        var text = Text(ctx, node, path);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            ctx.Error(path, node, text, "expected a number");
            return null;
        }

        return value;
    }

    public static bool? Bool(ReadContext ctx, YamlNode node, string path)
    {
        var text = Text(ctx, node, path);
        switch (text)
        {
            case null:
                return null;
            case "true" or "True" or "TRUE":
                return true;
            case "false" or "False" or "FALSE":
                return false;
            default:
                ctx.Error(path, node, text, "expected true or false");
                return null;
        }
    }

    public static TimeSpan? Duration(ReadContext ctx, YamlNode node, string path)
    {
        var text = Text(ctx, node, path);
        if (text is null)
        {
            return null;
        }

        if (!IstioDuration.TryParse(text, out var value))
        {
            ctx.Error(path, node, text, "invalid duration: expected a number with a unit, e.g. \"1s\", \"0.5s\", \"100ms\", \"1m\", \"1h\"");
            return null;
        }

        return value;
    }

    public static T? Enum<T>(ReadContext ctx, YamlNode node, string path, IReadOnlyDictionary<string, T> names)
        where T : struct
    {
        var text = Text(ctx, node, path);
        if (text is null)
        {
            return null;
        }

        if (names.TryGetValue(text, out var value))
        {
            return value;
        }

        // Istio's enum names are case-sensitive; point at the right spelling rather than accept it.
        var near = names.Keys.FirstOrDefault(k => string.Equals(k, text, StringComparison.OrdinalIgnoreCase));
        var hint = near is null ? "" : $" (did you mean {near}?)";
        ctx.Error(path, node, text, $"must be one of {string.Join(", ", names.Keys)}{hint}");
        return null;
    }
}
