using System.Text.RegularExpressions;

namespace Mesh.Api.Validation;

/// <summary>
/// Envoy runs Istio regexes with RE2. .NET's engine stands in for it: a pattern that does not
/// compile here is rejected, and so are the .NET-only constructs RE2 refuses (lookaround,
/// backreferences, atomic groups), which would otherwise pass here and fail in the proxy.
/// </summary>
internal static class RegexRules
{
    public static string? Problem(string pattern)
    {
        if (Re2Unsupported(pattern) is { } construct)
        {
            return $"{construct} is not supported by RE2, the regex engine Envoy uses";
        }

        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException e)
        {
            return $"invalid regular expression: {e.Message}";
        }
    }

    private static string? Re2Unsupported(string pattern)
    {
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var next = pattern[++i];
                if (!inClass && next is >= '1' and <= '9')
                {
                    return "a backreference";
                }

                continue;
            }

            if (inClass)
            {
                inClass = c != ']';
                continue;
            }

            if (c == '[')
            {
                inClass = true;

                // A ']' right after '[' or '[^' is a literal, not the end of the class.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    i++;
                }

                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    i++;
                }
            }
            else if (c == '(' && pattern.AsSpan(i + 1).StartsWith("?"))
            {
                var rest = pattern.AsSpan(i + 2);
                if (rest.StartsWith("=") || rest.StartsWith("!") || rest.StartsWith("<=") || rest.StartsWith("<!"))
                {
                    return "lookaround";
                }

                if (rest.StartsWith(">"))
                {
                    return "an atomic group";
                }
            }
        }

        return null;
    }
}
