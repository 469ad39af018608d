using Envoy.Config.Route.V3;
using Envoy.Type.Matcher.V3;
using Mesh.Api.Model;

namespace Mesh.Grains.Generators;

/// <summary>Translates an Istio HTTPMatchRequest into an Envoy RouteMatch (Istio's TranslateRouteMatch).</summary>
internal static class RouteMatchTranslator
{
    public static RouteMatch CatchAll() => new() { Prefix = "/" };

    public static RouteMatch Translate(HttpMatchRequest? match)
    {
        var result = CatchAll();
        if (match is null) return result;

        switch (match.Uri)
        {
            case { Kind: StringMatchKind.Exact } uri: result.Path = uri.Value; break;
            case { Kind: StringMatchKind.Prefix } uri: result.Prefix = uri.Value; break;
            case { Kind: StringMatchKind.Regex } uri: result.SafeRegex = new RegexMatcher { Regex = uri.Value }; break;
        }
        // Istio always states it, so a proxy never depends on Envoy's default.
        result.CaseSensitive = !match.IgnoreUriCase;

        // Sorted by name: dictionaries have no stable order and content hashes must not flap.
        var headers = match.Headers.Select(h => Header(h.Key, h.Value, invert: false))
            .Concat(match.WithoutHeaders.Select(h => Header(h.Key, h.Value, invert: true)))
            .OrderBy(h => h.Name, StringComparer.Ordinal);
        result.Headers.AddRange(headers);
        if (match.Method is not null) result.Headers.Add(Header(":method", match.Method, invert: false));
        if (match.Authority is not null) result.Headers.Add(Header(":authority", match.Authority, invert: false));
        if (match.Scheme is not null) result.Headers.Add(Header(":scheme", match.Scheme, invert: false));

        foreach (var (name, value) in match.QueryParams.OrderBy(q => q.Key, StringComparer.Ordinal))
        {
            var query = new QueryParameterMatcher { Name = name };
            if (IsPresenceOnly(value)) query.PresentMatch = true;
            else query.StringMatch = StringMatcher(value);
            result.QueryParameters.Add(query);
        }

        // sourceLabels are not translated: they select proxies, not requests. RouteGenerator drops
        // the matches whose labels the proxy lacks when it is given the proxy's labels.
        return result;
    }

    /// <summary>A route Envoy would take for every request, so nothing after it can ever match.</summary>
    public static bool IsCatchAll(RouteMatch match) =>
        match.Headers.Count == 0
        && match.QueryParameters.Count == 0
        && (match.PathSpecifierCase == RouteMatch.PathSpecifierOneofCase.Prefix && match.Prefix == "/"
            || match.PathSpecifierCase == RouteMatch.PathSpecifierOneofCase.SafeRegex && match.SafeRegex.Regex == ".*");

    public static StringMatcher StringMatcher(StringMatch match) => match.Kind switch
    {
        StringMatchKind.Exact => new StringMatcher { Exact = match.Value },
        StringMatchKind.Prefix => new StringMatcher { Prefix = match.Value },
        _ => new StringMatcher { SafeRegex = new RegexMatcher { Regex = match.Value } },
    };

    private static HeaderMatcher Header(string name, StringMatch value, bool invert)
    {
        var header = new HeaderMatcher { Name = name, InvertMatch = invert };
        if (IsPresenceOnly(value))
        {
            header.PresentMatch = true;
            return header;
        }
        header.StringMatch = StringMatcher(value);
        // "without header x = v" must hold for requests that lack x entirely.
        if (invert) header.TreatMissingHeaderAsEmpty = true;
        return header;
    }

    /// <summary>
    /// Istio reads regex "*" as "present" (it is not valid RE2); an empty prefix means the same and
    /// Envoy rejects it as a prefix.
    /// </summary>
    private static bool IsPresenceOnly(StringMatch match) =>
        match is { Kind: StringMatchKind.Regex, Value: "*" } or { Kind: StringMatchKind.Prefix, Value: "" };
}
