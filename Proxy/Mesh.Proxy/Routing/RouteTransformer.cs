using Mesh.Proxy.Configuration;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Routing;

/// <summary>
/// The per-attempt request/response transform of a matched route: Envoy keeps the caller's
/// authority unless the route rewrites it, applies prefix_rewrite and header operations, and a
/// response that the retry policy retries is held back (its body never reaches the caller).
/// </summary>
internal sealed class RouteTransformer(
    RouteEntry route,
    ForwardAction action,
    WeightedTarget target,
    string authority,
    Func<int, bool> holdBack) : HttpTransformer
{
    /// <summary>Set when the response was held back for a retry: nothing was written to the caller.</summary>
    public bool HeldBack { get; private set; }

    /// <summary>The upstream's status, when it answered (outlier detection reads it, held back or not).</summary>
    public int? UpstreamStatus { get; private set; }

    /// <summary>Set-Cookie values of hash-policy cookies generated for this request, added to the upstream's response.</summary>
    public IReadOnlyList<string>? SetCookies { get; init; }

    /// <summary>Called when the upstream accepted an upgrade (101, or 200 to an extended CONNECT), before the tunnel starts.</summary>
    public Action? OnUpgraded { get; init; }

    public override async ValueTask TransformRequestAsync(HttpContext context, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(context, proxyRequest, destinationPrefix, cancellationToken);
        if (action.PrefixRewrite is not null)
            proxyRequest.RequestUri = new Uri(destinationPrefix.TrimEnd('/') + RewrittenPathAndQuery(context.Request, route, action));
        proxyRequest.Headers.Host = action.HostRewrite ?? authority;
        Apply(proxyRequest, route.Headers);
        Apply(proxyRequest, target.Headers);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext context, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is not null) UpstreamStatus = (int)proxyResponse.StatusCode;
        if (proxyResponse is not null && holdBack((int)proxyResponse.StatusCode))
        {
            HeldBack = true;
            return false;
        }
        var copyBody = await base.TransformResponseAsync(context, proxyResponse, cancellationToken);
        if (proxyResponse is not null && SetCookies is { Count: > 0 } cookies)
            context.Response.Headers.SetCookie = Microsoft.Extensions.Primitives.StringValues.Concat(context.Response.Headers.SetCookie, cookies.ToArray());
        Apply(context.Response.Headers, route.Headers);
        Apply(context.Response.Headers, target.Headers);
        if (proxyResponse is not null && Upgrade.Accepted(proxyResponse)) OnUpgraded?.Invoke();
        return copyBody;
    }

    /// <summary>The upstream path and query: prefix_rewrite replaces the matched prefix; for exact and regex matches, the whole path.</summary>
    internal static string RewrittenPathAndQuery(HttpRequest request, RouteEntry route, ForwardAction action)
    {
        var path = request.Path.Value ?? "/";
        if (action.PrefixRewrite is not { } rewrite) return path + request.QueryString.Value;
        var match = route.Match.Path;
        var rest = match.Kind == PathMatchKind.Prefix ? path[Math.Min(match.Value.Length, path.Length)..] : "";
        return rewrite + rest + request.QueryString.Value;
    }

    internal static void Apply(HttpRequestMessage request, HeaderOperations operations)
    {
        foreach (var name in operations.RequestToRemove) request.Headers.Remove(name);
        foreach (var header in operations.RequestToAdd)
        {
            if (!header.Append) request.Headers.Remove(header.Name);
            request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }
    }

    private static void Apply(IHeaderDictionary headers, HeaderOperations operations)
    {
        foreach (var name in operations.ResponseToRemove) headers.Remove(name);
        foreach (var header in operations.ResponseToAdd)
        {
            headers[header.Name] = header.Append && headers.TryGetValue(header.Name, out var existing)
                ? Microsoft.Extensions.Primitives.StringValues.Concat(existing, header.Value)
                : header.Value;
        }
    }
}
