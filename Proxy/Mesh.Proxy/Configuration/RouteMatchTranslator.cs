using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Envoy.Config.Route.V3;
using Envoy.Type.Matcher.V3;

namespace Mesh.Proxy.Configuration;

/// <summary>Envoy RouteMatch to RouteMatchSpec. Regexes are compiled here so a bad one is a NACK.</summary>
internal static class RouteMatchTranslator
{
    // RE2 has no backtracking; .NET's NonBacktracking engine gives the same linear-time guarantee
    // and rejects the same constructs (backreferences, lookarounds), so hostile routes stay cheap.
    private static readonly TimeSpan RegexTimeout = Regex.InfiniteMatchTimeout;

    public static RouteMatchSpec Translate(RouteMatch match, string where)
    {
        var caseSensitive = match.CaseSensitive ?? true;
        var path = match.PathSpecifierCase switch
        {
            RouteMatch.PathSpecifierOneofCase.Prefix => new PathMatchSpec(PathMatchKind.Prefix, match.Prefix, caseSensitive, null),
            RouteMatch.PathSpecifierOneofCase.Path => new PathMatchSpec(PathMatchKind.Exact, match.Path, caseSensitive, null),
            RouteMatch.PathSpecifierOneofCase.SafeRegex => new PathMatchSpec(PathMatchKind.Regex, match.SafeRegex.Regex, caseSensitive,
                Compile(match.SafeRegex.Regex, !caseSensitive, $"{where}.match.safe_regex")),
            var other => throw new TranslationException($"{where}.match: path specifier {other}: not supported (prefix, path and safe_regex are)"),
        };

        var headers = ImmutableArray.CreateBuilder<HeaderMatchSpec>();
        for (var i = 0; i < match.Headers.Count; i++) headers.Add(Header(match.Headers[i], $"{where}.match.headers[{i}]"));

        var query = ImmutableArray.CreateBuilder<QueryMatchSpec>();
        for (var i = 0; i < match.QueryParameters.Count; i++)
        {
            var q = match.QueryParameters[i];
            var field = $"{where}.match.query_parameters[{i}] ({q.Name})";
            query.Add(q.QueryParameterMatchSpecifierCase switch
            {
                QueryParameterMatcher.QueryParameterMatchSpecifierOneofCase.StringMatch => new QueryMatchSpec(q.Name, String(q.StringMatch, $"{field}.string_match")),
                QueryParameterMatcher.QueryParameterMatchSpecifierOneofCase.PresentMatch => new QueryMatchSpec(q.Name, null),
                _ => throw new TranslationException($"{field}: string_match or present_match is required"),
            });
        }

        if (match.RuntimeFraction is not null)
            throw new TranslationException($"{where}.match.runtime_fraction: not supported");
        return new RouteMatchSpec(path, headers.ToImmutable(), query.ToImmutable());
    }

    public static StringMatchSpec String(StringMatcher matcher, string where) => matcher.MatchPatternCase switch
    {
        StringMatcher.MatchPatternOneofCase.Exact => new(StringMatchKind.Exact, matcher.Exact, matcher.IgnoreCase, null),
        StringMatcher.MatchPatternOneofCase.Prefix => new(StringMatchKind.Prefix, matcher.Prefix, matcher.IgnoreCase, null),
        StringMatcher.MatchPatternOneofCase.Suffix => new(StringMatchKind.Suffix, matcher.Suffix, matcher.IgnoreCase, null),
        StringMatcher.MatchPatternOneofCase.Contains => new(StringMatchKind.Contains, matcher.Contains, matcher.IgnoreCase, null),
        StringMatcher.MatchPatternOneofCase.SafeRegex => new(StringMatchKind.Regex, matcher.SafeRegex.Regex, matcher.IgnoreCase,
            Compile(matcher.SafeRegex.Regex, matcher.IgnoreCase, $"{where}.safe_regex")),
        var other => throw new TranslationException($"{where}: match pattern {other}: not supported"),
    };

    public static Regex Compile(string pattern, bool ignoreCase, string where)
    {
        var options = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        try
        {
            // Envoy matches the whole value (RE2::FullMatch).
            return new Regex($"\\A(?:{FromRe2(pattern)})\\z", options, RegexTimeout);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new TranslationException($"{where}: invalid regex \"{pattern}\": {e.Message}");
        }
    }

    // The deprecated direct matchers (exact_match, ...) are still what older control planes send.
#pragma warning disable CS0612
    /// <summary>
    /// RE2 syntax .NET spells differently: named groups "(?P&lt;name&gt;" are "(?&lt;name&gt;". Only an
    /// unescaped "(" outside a character class opens a group, so those are the only ones rewritten.
    /// </summary>
    internal static string FromRe2(string pattern)
    {
        if (!pattern.Contains("(?P<", StringComparison.Ordinal)) return pattern;
        var result = new System.Text.StringBuilder(pattern.Length);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                result.Append(c).Append(pattern[++i]);
                continue;
            }
            if (c == '[') inClass = true;
            else if (c == ']') inClass = false;
            if (!inClass && c == '(' && string.CompareOrdinal(pattern, i, "(?P<", 0, 4) == 0)
            {
                result.Append("(?<");
                i += 3;
                continue;
            }
            result.Append(c);
        }
        return result.ToString();
    }

    private static HeaderMatchSpec Header(HeaderMatcher header, string where)
    {
        var field = $"{where} ({header.Name})";
        StringMatchSpec? Literal(StringMatchKind kind, string value) => new(kind, value, false, null);
        var match = header.HeaderMatchSpecifierCase switch
        {
            HeaderMatcher.HeaderMatchSpecifierOneofCase.StringMatch => String(header.StringMatch, $"{field}.string_match"),
            HeaderMatcher.HeaderMatchSpecifierOneofCase.PresentMatch => null,
            HeaderMatcher.HeaderMatchSpecifierOneofCase.ExactMatch => Literal(StringMatchKind.Exact, header.ExactMatch),
            HeaderMatcher.HeaderMatchSpecifierOneofCase.PrefixMatch => Literal(StringMatchKind.Prefix, header.PrefixMatch),
            HeaderMatcher.HeaderMatchSpecifierOneofCase.SuffixMatch => Literal(StringMatchKind.Suffix, header.SuffixMatch),
            HeaderMatcher.HeaderMatchSpecifierOneofCase.ContainsMatch => Literal(StringMatchKind.Contains, header.ContainsMatch),
            HeaderMatcher.HeaderMatchSpecifierOneofCase.SafeRegexMatch => new StringMatchSpec(StringMatchKind.Regex, header.SafeRegexMatch.Regex, false,
                Compile(header.SafeRegexMatch.Regex, false, $"{field}.safe_regex_match")),
            // No specifier at all means "present" in Envoy.
            HeaderMatcher.HeaderMatchSpecifierOneofCase.None => null,
            var other => throw new TranslationException($"{field}: {other}: not supported"),
        };
        // present_match: false inverts presence, as Envoy reads it.
        var invert = header.InvertMatch ^ (header.HeaderMatchSpecifierCase == HeaderMatcher.HeaderMatchSpecifierOneofCase.PresentMatch && !header.PresentMatch);
        return new HeaderMatchSpec(header.Name.ToLowerInvariant(), match, invert, header.TreatMissingHeaderAsEmpty);
    }
#pragma warning restore CS0612
}
