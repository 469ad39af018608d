using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Trace context across the proxy. W3C (traceparent, tracestate) and B3 (x-b3-*, b3) headers pass
/// through unchanged: the proxy reports no spans, so a span id it invented would be a parent no
/// tracing backend ever receives and would break the caller-to-app link in the trace tree. What the
/// proxy adds is Envoy's x-request-id when the caller sent none, so the access logs of every hop
/// (and the apps that forward it) share one id.
/// </summary>
public static class TraceHeaders
{
    public const string RequestId = "x-request-id";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
    public const string B3TraceId = "x-b3-traceid";
    public const string B3SpanId = "x-b3-spanid";
    public const string B3ParentSpanId = "x-b3-parentspanid";
    public const string B3Sampled = "x-b3-sampled";
    public const string B3Single = "b3";

    /// <summary>Every header the proxy propagates, for documentation and tests.</summary>
    public static IReadOnlyList<string> Propagated { get; } =
        [RequestId, TraceParent, TraceState, B3TraceId, B3SpanId, B3ParentSpanId, B3Sampled, B3Single];

    /// <summary>The request's x-request-id, generated (a random UUID, as Envoy's) and set on the request when absent.</summary>
    public static string EnsureRequestId(IHeaderDictionary headers)
    {
        var existing = headers[RequestId];
        if (existing.Count > 0 && !string.IsNullOrEmpty(existing[0])) return existing[0]!;
        var id = Guid.NewGuid().ToString();
        headers[RequestId] = id;
        return id;
    }

    /// <summary>The trace id the request belongs to, for the access log: W3C first, then B3 (multi, then single header).</summary>
    public static string? TraceId(IHeaderDictionary headers)
    {
        // traceparent: version "-" 32 hex trace id "-" 16 hex parent id "-" 2 hex flags.
        var parent = headers[TraceParent];
        if (parent.Count > 0 && parent[0] is { Length: >= 55 } w3c && w3c[2] == '-' && w3c[35] == '-') return w3c.Substring(3, 32);
        var b3 = headers[B3TraceId];
        if (b3.Count > 0 && !string.IsNullOrEmpty(b3[0])) return b3[0];
        // b3: traceid-spanid[-sampled[-parentspanid]], or a bare sampling decision ("0", "1", "d").
        var single = headers[B3Single];
        if (single.Count > 0 && single[0] is { } s && s.IndexOf('-') is > 0 and var dash) return s[..dash];
        return null;
    }
}
