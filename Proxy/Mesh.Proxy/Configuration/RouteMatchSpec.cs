using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Configuration;

public enum PathMatchKind { Prefix, Exact, Regex }

/// <summary>A route's match: path, then every header and query parameter matcher must hold.</summary>
public sealed record RouteMatchSpec(PathMatchSpec Path, ImmutableArray<HeaderMatchSpec> Headers, ImmutableArray<QueryMatchSpec> QueryParameters)
{
    public bool Matches(HttpRequest request, string authority)
    {
        if (!Path.Matches(request.Path.Value ?? "/")) return false;
        foreach (var header in Headers)
        {
            if (!header.Matches(HeaderValue(request, authority, header.Name))) return false;
        }
        foreach (var query in QueryParameters)
        {
            if (!query.Matches(request.Query.TryGetValue(query.Name, out var values) ? values.ToString() : null)) return false;
        }
        return true;
    }

    /// <summary>Envoy exposes HTTP/2 pseudo-headers to matchers for every protocol; multiple values join with ",".</summary>
    private static string? HeaderValue(HttpRequest request, string authority, string name) => name switch
    {
        ":method" => request.Method,
        ":authority" => authority,
        ":scheme" => request.Scheme,
        ":path" => request.Path.Value + request.QueryString.Value,
        _ => request.Headers.TryGetValue(name, out var values) ? string.Join(',', values.ToArray()) : null,
    };

    public bool Equals(RouteMatchSpec? other) =>
        other is not null && Path == other.Path && Headers.SequenceEqual(other.Headers) && QueryParameters.SequenceEqual(other.QueryParameters);

    public override int GetHashCode() => HashCode.Combine(Path, Headers.Length, QueryParameters.Length);
}

/// <param name="Regex">Compiled at translation, so a bad pattern is a NACK rather than a failed request.</param>
public sealed record PathMatchSpec(PathMatchKind Kind, string Value, bool CaseSensitive, Regex? Regex)
{
    public static PathMatchSpec CatchAll { get; } = new(PathMatchKind.Prefix, "/", true, null);

    private StringComparison Comparison => CaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    public bool Matches(string path) => Kind switch
    {
        PathMatchKind.Prefix => path.StartsWith(Value, Comparison),
        PathMatchKind.Exact => string.Equals(path, Value, Comparison),
        _ => Regex!.IsMatch(path),
    };

    public bool Equals(PathMatchSpec? other) =>
        other is not null && Kind == other.Kind && Value == other.Value && CaseSensitive == other.CaseSensitive;

    public override int GetHashCode() => HashCode.Combine(Kind, Value, CaseSensitive);
}

public enum StringMatchKind { Exact, Prefix, Suffix, Contains, Regex }

/// <summary>Envoy's StringMatcher. Regexes match the whole value, as RE2's FullMatch does in Envoy.</summary>
public sealed record StringMatchSpec(StringMatchKind Kind, string Value, bool IgnoreCase, Regex? Regex)
{
    private StringComparison Comparison => IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    public bool Matches(string value) => Kind switch
    {
        StringMatchKind.Exact => string.Equals(value, Value, Comparison),
        StringMatchKind.Prefix => value.StartsWith(Value, Comparison),
        StringMatchKind.Suffix => value.EndsWith(Value, Comparison),
        StringMatchKind.Contains => value.Contains(Value, Comparison),
        _ => Regex!.IsMatch(value),
    };

    public bool Equals(StringMatchSpec? other) =>
        other is not null && Kind == other.Kind && Value == other.Value && IgnoreCase == other.IgnoreCase;

    public override int GetHashCode() => HashCode.Combine(Kind, Value, IgnoreCase);
}

/// <param name="Match">null: the header only has to be present.</param>
public sealed record HeaderMatchSpec(string Name, StringMatchSpec? Match, bool Invert, bool TreatMissingAsEmpty)
{
    public bool Matches(string? value)
    {
        if (value is null && TreatMissingAsEmpty) value = string.Empty;
        var result = value is not null && (Match is null || Match.Matches(value));
        return result != Invert;
    }
}

/// <param name="Match">null: the parameter only has to be present.</param>
public sealed record QueryMatchSpec(string Name, StringMatchSpec? Match)
{
    public bool Matches(string? value) => value is not null && (Match is null || Match.Matches(value));
}
