using System.Collections.Immutable;

namespace Mesh.Proxy.Configuration;

/// <summary>An RDS RouteConfiguration: virtual hosts, chosen by authority as Envoy does.</summary>
public sealed record RouteTable
{
    // Built once per table: lookups on the request path must not scan every domain. Get-only
    // members keep `with` from producing a table whose index disagrees with its hosts.
    private readonly DomainIndex _index;

    public RouteTable(string name, ImmutableArray<VirtualHostRoutes> virtualHosts)
    {
        Name = name;
        VirtualHosts = virtualHosts;
        _index = DomainIndex.Build(virtualHosts);
    }

    public string Name { get; }
    public ImmutableArray<VirtualHostRoutes> VirtualHosts { get; }

    /// <summary>Envoy's order: exact domain, then longest "*.suffix", then longest "prefix.*", then "*".</summary>
    public VirtualHostRoutes? FindVirtualHost(string authority) => _index.Find(authority);

    public bool Equals(RouteTable? other) =>
        other is not null && Name == other.Name && VirtualHosts.SequenceEqual(other.VirtualHosts);

    public override int GetHashCode() => HashCode.Combine(Name, VirtualHosts.Length);
}

public sealed record VirtualHostRoutes(string Name, ImmutableArray<string> Domains, ImmutableArray<RouteEntry> Routes)
{
    public bool Equals(VirtualHostRoutes? other) =>
        other is not null && Name == other.Name && Domains.SequenceEqual(other.Domains) && Routes.SequenceEqual(other.Routes);

    public override int GetHashCode() => HashCode.Combine(Name, Domains.Length, Routes.Length);
}

/// <summary>One Envoy route: the first whose match holds takes the request.</summary>
public sealed record RouteEntry(string Name, RouteMatchSpec Match, RouteActionSpec Action, HeaderOperations Headers)
{
    /// <summary>The fault filter's per-route config: applied before the action, as the filter runs before the router.</summary>
    public FaultSpec? Fault { get; init; }
}

public sealed record HeaderOperations(
    ImmutableArray<HeaderValue> RequestToAdd,
    ImmutableArray<string> RequestToRemove,
    ImmutableArray<HeaderValue> ResponseToAdd,
    ImmutableArray<string> ResponseToRemove)
{
    public static HeaderOperations None { get; } = new([], [], [], []);

    public bool IsEmpty => RequestToAdd.IsEmpty && RequestToRemove.IsEmpty && ResponseToAdd.IsEmpty && ResponseToRemove.IsEmpty;

    public bool Equals(HeaderOperations? other) =>
        other is not null && RequestToAdd.SequenceEqual(other.RequestToAdd) && RequestToRemove.SequenceEqual(other.RequestToRemove)
        && ResponseToAdd.SequenceEqual(other.ResponseToAdd) && ResponseToRemove.SequenceEqual(other.ResponseToRemove);

    public override int GetHashCode() => HashCode.Combine(RequestToAdd.Length, RequestToRemove.Length, ResponseToAdd.Length, ResponseToRemove.Length);
}

/// <param name="Append">true: add another value; false: overwrite (Envoy's OVERWRITE_IF_EXISTS_OR_ADD).</param>
public sealed record HeaderValue(string Name, string Value, bool Append);

/// <summary>What a matched route does.</summary>
public abstract record RouteActionSpec;

/// <summary>Forward to one cluster or split across weighted clusters.</summary>
/// <param name="Timeout">The whole-request timeout; null when disabled (Envoy's 0s).</param>
public sealed record ForwardAction(
    ImmutableArray<WeightedTarget> Clusters,
    TimeSpan? Timeout,
    RetrySpec? Retry,
    string? PrefixRewrite,
    string? HostRewrite) : RouteActionSpec
{
    public uint TotalWeight { get; } = (uint)Clusters.Sum(c => (long)c.Weight);

    /// <summary>request_mirror_policies: each drawn per request.</summary>
    public ImmutableArray<MirrorSpec> Mirrors { get; init; } = [];

    /// <summary>hash_policy: the request's key for RING_HASH/MAGLEV clusters (none: a random endpoint).</summary>
    public ImmutableArray<HashPolicySpec> HashPolicies { get; init; } = [];

    /// <summary>The cluster for a draw in [0, TotalWeight): the weighted pick, per request.</summary>
    public WeightedTarget Pick(uint draw)
    {
        foreach (var target in Clusters)
        {
            if (draw < target.Weight) return target;
            draw -= target.Weight;
        }
        return Clusters[^1];
    }

    public bool Equals(ForwardAction? other) =>
        other is not null && Clusters.SequenceEqual(other.Clusters) && Timeout == other.Timeout && Retry == other.Retry
        && PrefixRewrite == other.PrefixRewrite && HostRewrite == other.HostRewrite
        && Mirrors.SequenceEqual(other.Mirrors) && HashPolicies.SequenceEqual(other.HashPolicies);

    public override int GetHashCode() => HashCode.Combine(Clusters.Length, Timeout, Retry, PrefixRewrite, HostRewrite);
}

public sealed record WeightedTarget(string Cluster, uint Weight, HeaderOperations Headers);

public sealed record DirectResponseAction(int Status, string? Body) : RouteActionSpec;

/// <param name="Host">Replaces the authority; null keeps it. Likewise for the others.</param>
public sealed record RedirectAction(int Status, string? Scheme, string? Host, uint? Port, string? Path) : RouteActionSpec;

/// <summary>Envoy's retry_on conditions this proxy implements, plus the attempts, per-try timeout and back-off.</summary>
public sealed record RetrySpec(
    int NumRetries,
    bool On5xx,
    bool OnGatewayError,
    bool OnConnectFailure,
    bool OnReset,
    ImmutableArray<int> RetriableStatusCodes,
    TimeSpan? PerTryTimeout)
{
    /// <summary>retriable-4xx: Envoy retries 409 (a conflict a second attempt may not meet).</summary>
    public bool OnRetriable4xx { get; init; }

    /// <summary>retry_back_off.base_interval (Envoy's 25 ms when absent).</summary>
    public TimeSpan BackOffBase { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>retry_back_off.max_interval (Envoy's 10 × base when absent).</summary>
    public TimeSpan BackOffMax { get; init; } = TimeSpan.FromMilliseconds(250);

    public bool RetriesStatus(int status) =>
        (On5xx && status >= 500) || (OnGatewayError && status is 502 or 503 or 504) || (OnRetriable4xx && status == 409)
        || RetriableStatusCodes.Contains(status);

    /// <summary>
    /// Envoy's jittered exponential back-off before retry <paramref name="retry"/> (1-based): uniform
    /// in [0, (2^retry - 1) × base], capped at max.
    /// </summary>
    public TimeSpan BackOff(int retry, double unit)
    {
        var ceiling = BackOffBase.TotalMilliseconds * (Math.Pow(2, Math.Min(retry, 30)) - 1);
        return TimeSpan.FromMilliseconds(Math.Min(BackOffMax.TotalMilliseconds, unit * ceiling));
    }

    public bool Equals(RetrySpec? other) =>
        other is not null && NumRetries == other.NumRetries && On5xx == other.On5xx && OnGatewayError == other.OnGatewayError
        && OnConnectFailure == other.OnConnectFailure && OnReset == other.OnReset && OnRetriable4xx == other.OnRetriable4xx
        && RetriableStatusCodes.SequenceEqual(other.RetriableStatusCodes) && PerTryTimeout == other.PerTryTimeout
        && BackOffBase == other.BackOffBase && BackOffMax == other.BackOffMax;

    public override int GetHashCode() => HashCode.Combine(NumRetries, On5xx, OnGatewayError, OnConnectFailure, PerTryTimeout);
}
