using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Validation;

/// <summary>Header names in matches and in header manipulation.</summary>
internal static class HeaderRules
{
    /// <summary>
    /// Matched names must be lowercase: HTTP/2 carries them lowercase, so an uppercase match
    /// name would silently never match. Pseudo-headers (":authority") may be matched.
    /// </summary>
    public static void MatchName(Findings f, string path, string name)
    {
        var token = name.StartsWith(':') ? name[1..] : name;
        if (!Syntax.IsHeaderToken(token))
        {
            f.Add(path, name, "not a valid HTTP header name");
        }
        else if (name.Any(char.IsAsciiLetterUpper))
        {
            f.Add(path, name, "header names must be lowercase");
        }
    }

    public static void Operations(Findings f, string path, Headers? headers)
    {
        if (headers is null)
        {
            return;
        }

        Operations(f, $"{path}.request", headers.Request);
        Operations(f, $"{path}.response", headers.Response);
    }

    private static void Operations(Findings f, string path, HeaderOperations? operations)
    {
        if (operations is null)
        {
            return;
        }

        foreach (var name in operations.Set.Keys)
        {
            OperationName(f, FieldPaths.Key($"{path}.set", name), name);
        }

        foreach (var name in operations.Add.Keys)
        {
            OperationName(f, FieldPaths.Key($"{path}.add", name), name);
        }

        for (var i = 0; i < operations.Remove.Count; i++)
        {
            OperationName(f, $"{path}.remove[{i}]", operations.Remove[i]);
        }
    }

    private static void OperationName(Findings f, string path, string name)
    {
        if (name.StartsWith(':'))
        {
            f.Add(path, name, "pseudo-headers cannot be set, added or removed");
        }
        else if (!Syntax.IsHeaderToken(name))
        {
            f.Add(path, name, "not a valid HTTP header name");
        }
    }
}
