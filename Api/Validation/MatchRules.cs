using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Validation;

/// <summary>Checks one HTTPMatchRequest: string matches, header and query names, labels, port.</summary>
internal static class MatchRules
{
    public static void Check(Findings f, string path, HttpMatchRequest match)
    {
        StringMatch(f, $"{path}.uri", match.Uri);
        StringMatch(f, $"{path}.scheme", match.Scheme);
        StringMatch(f, $"{path}.method", match.Method);
        StringMatch(f, $"{path}.authority", match.Authority);
        Headers(f, $"{path}.headers", match.Headers);
        Headers(f, $"{path}.withoutHeaders", match.WithoutHeaders);
        foreach (var (name, value) in match.QueryParams)
        {
            var paramPath = FieldPaths.Key($"{path}.queryParams", name);
            if (value.Kind == StringMatchKind.Prefix)
            {
                f.Add($"{paramPath}.prefix", value.Value, "queryParams support only exact and regex matches");
            }

            StringMatch(f, paramPath, value);
        }

        CommonRules.Labels(f, $"{path}.sourceLabels", match.SourceLabels);
        CommonRules.Port(f, $"{path}.port", match.Port);
    }

    public static void StringMatch(Findings f, string path, StringMatch? match)
    {
        if (match is { Kind: StringMatchKind.Regex } && RegexRules.Problem(match.Value) is { } problem)
        {
            f.Add($"{path}.regex", match.Value, problem);
        }
    }

    private static void Headers(Findings f, string path, IReadOnlyDictionary<string, StringMatch> headers)
    {
        foreach (var (name, value) in headers)
        {
            var headerPath = FieldPaths.Key(path, name);
            HeaderRules.MatchName(f, headerPath, name);
            StringMatch(f, headerPath, value);
        }
    }
}
