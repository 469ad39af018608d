namespace Mesh.Proxy.Configuration;

/// <summary>
/// Envoy's HTTP fault filter for one route (typed_per_filter_config["envoy.filters.http.fault"]):
/// a delay, then an abort, each drawn per request.
/// </summary>
public sealed record FaultSpec(FaultDelaySpec? Delay, FaultAbortSpec? Abort)
{
    /// <summary>
    /// What the fault filter does for one request, given two independent draws in [0, 1,000,000):
    /// Envoy draws the delay and the abort separately, so a request may be delayed and then aborted.
    /// </summary>
    public (TimeSpan? Delay, FaultAbortSpec? Abort) Decide(uint delayDraw, uint abortDraw) =>
        (Delay is { } d && delayDraw < d.PerMillion ? d.Fixed : null,
         Abort is { } a && abortDraw < a.PerMillion ? a : null);
}

/// <param name="PerMillion">The share of requests delayed, in millionths (FractionalPercent normalized).</param>
public sealed record FaultDelaySpec(TimeSpan Fixed, uint PerMillion);

/// <summary>An abort with an HTTP status, or with a gRPC status (answered as HTTP 200 with grpc-status).</summary>
public sealed record FaultAbortSpec(int? HttpStatus, int? GrpcStatus, uint PerMillion);

/// <summary>A request_mirror_policy: a fire-and-forget copy of a share of the route's requests.</summary>
/// <param name="HostSuffix">Envoy appends "-shadow" to the copy's host unless disable_shadow_host_suffix_append.</param>
public sealed record MirrorSpec(string Cluster, uint PerMillion, bool HostSuffix);

public enum HashSource { Header, Cookie, SourceIp, QueryParameter }

/// <summary>One hash_policy of a route: where the consistent-hash key of a request comes from.</summary>
/// <param name="Name">The header, cookie or query parameter name; empty for SourceIp.</param>
/// <param name="Terminal">Envoy stops at a terminal policy that produced a hash.</param>
public sealed record HashPolicySpec(HashSource Source, string Name, bool Terminal)
{
    /// <summary>A cookie policy's ttl: when set (0 = a session cookie), a request without the cookie gets one generated.</summary>
    public TimeSpan? CookieTtl { get; init; }

    /// <summary>The Path attribute of a generated cookie; empty for none.</summary>
    public string CookiePath { get; init; } = "";
}

/// <summary>Ring sizes of a RING_HASH (or MAGLEV) cluster, Envoy's defaults when unset.</summary>
public sealed record RingSizes(ulong Minimum, ulong Maximum)
{
    public static RingSizes Default { get; } = new(1024, 8 * 1024 * 1024);
}
