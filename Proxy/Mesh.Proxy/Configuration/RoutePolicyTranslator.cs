using System.Collections.Immutable;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Http.Fault.V3;
using Envoy.Type.V3;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using EnvoyFaultDelay = Envoy.Extensions.Filters.Common.Fault.V3.FaultDelay;
using HashPolicy = Envoy.Config.Route.V3.RouteAction.Types.HashPolicy;
using RequestMirrorPolicy = Envoy.Config.Route.V3.RouteAction.Types.RequestMirrorPolicy;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// The per-route policies beyond forwarding: fault injection, mirroring, consistent-hash keys.
/// Pure; what it cannot apply is a TranslationException (a NACK), never silently dropped.
/// </summary>
public static class RoutePolicyTranslator
{
    public const string FaultFilter = "envoy.filters.http.fault";
    public const uint Million = 1_000_000;

    /// <summary>The route's fault filter config; null when there is none or it injects nothing.</summary>
    public static FaultSpec? Fault(MapField<string, Any> perFilter, string where)
    {
        if (!perFilter.TryGetValue(FaultFilter, out var any)) return null;
        where = $"{where}.typed_per_filter_config[\"{FaultFilter}\"]";
        // Envoy accepts the filter's config directly or wrapped in a FilterConfig.
        if (any.TryUnpack<FilterConfig>(out var wrapped))
        {
            if (wrapped.Config is null) return null;
            any = wrapped.Config;
        }
        if (!any.TryUnpack<HTTPFault>(out var fault))
            throw new TranslationException($"{where}: expected {HTTPFault.Descriptor.FullName}, got {any.TypeUrl}");
        if (fault.Headers.Count > 0 || fault.DownstreamNodes.Count > 0 || !string.IsNullOrEmpty(fault.UpstreamCluster) || fault.ResponseRateLimit is not null)
            throw new TranslationException($"{where}: headers, downstream_nodes, upstream_cluster and response_rate_limit are not supported (delay and abort are)");

        FaultDelaySpec? delay = null;
        if (fault.Delay is { } d)
        {
            if (d.FaultDelaySecifierCase != EnvoyFaultDelay.FaultDelaySecifierOneofCase.FixedDelay)
                throw new TranslationException($"{where}.delay: {d.FaultDelaySecifierCase}: only fixed_delay is supported");
            delay = new FaultDelaySpec(d.FixedDelay.ToTimeSpan(), PerMillion(d.Percentage));
        }
        FaultAbortSpec? abort = null;
        if (fault.Abort is { } a)
        {
            abort = a.ErrorTypeCase switch
            {
                FaultAbort.ErrorTypeOneofCase.HttpStatus when a.HttpStatus is >= 200 and < 600 => new FaultAbortSpec((int)a.HttpStatus, null, PerMillion(a.Percentage)),
                FaultAbort.ErrorTypeOneofCase.GrpcStatus => new FaultAbortSpec(null, (int)a.GrpcStatus, PerMillion(a.Percentage)),
                FaultAbort.ErrorTypeOneofCase.HttpStatus => throw new TranslationException($"{where}.abort.http_status: {a.HttpStatus}: must be in [200, 600)"),
                var other => throw new TranslationException($"{where}.abort: {other}: http_status or grpc_status is required (header_abort is not supported)"),
            };
        }
        // An absent percentage is 0% in Envoy (and in Istio): a configured but idle fault.
        return (delay is null || delay.PerMillion == 0) && (abort is null || abort.PerMillion == 0) ? null : new FaultSpec(delay, abort);
    }

    public static ImmutableArray<MirrorSpec> Mirrors(RepeatedField<RequestMirrorPolicy> policies, string where)
    {
        if (policies.Count == 0) return [];
        var result = ImmutableArray.CreateBuilder<MirrorSpec>(policies.Count);
        for (var i = 0; i < policies.Count; i++)
        {
            var policy = policies[i];
            if (string.IsNullOrEmpty(policy.Cluster))
                throw new TranslationException($"{where}.request_mirror_policies[{i}].cluster: required (cluster_header is not supported)");
            // No runtime_fraction mirrors every request.
            var share = policy.RuntimeFraction is { } fraction ? PerMillion(fraction.DefaultValue) : Million;
            if (share > 0) result.Add(new MirrorSpec(policy.Cluster, share, !policy.DisableShadowHostSuffixAppend));
        }
        return result.DrainToImmutable();
    }

    public static ImmutableArray<HashPolicySpec> HashPolicies(RepeatedField<HashPolicy> policies, string where)
    {
        if (policies.Count == 0) return [];
        var result = ImmutableArray.CreateBuilder<HashPolicySpec>(policies.Count);
        for (var i = 0; i < policies.Count; i++)
        {
            var policy = policies[i];
            var at = $"{where}.hash_policy[{i}]";
            result.Add(policy.PolicySpecifierCase switch
            {
                HashPolicy.PolicySpecifierOneofCase.Header when policy.Header.RegexRewrite is not null =>
                    throw new TranslationException($"{at}.header.regex_rewrite: not supported"),
                HashPolicy.PolicySpecifierOneofCase.Header => new HashPolicySpec(HashSource.Header, Required(policy.Header.HeaderName, $"{at}.header.header_name"), policy.Terminal),
                HashPolicy.PolicySpecifierOneofCase.Cookie => new HashPolicySpec(HashSource.Cookie, Required(policy.Cookie.Name, $"{at}.cookie.name"), policy.Terminal)
                {
                    CookieTtl = policy.Cookie.Ttl?.ToTimeSpan(),
                    CookiePath = policy.Cookie.Path,
                },
                HashPolicy.PolicySpecifierOneofCase.ConnectionProperties when policy.ConnectionProperties.SourceIp => new HashPolicySpec(HashSource.SourceIp, "", policy.Terminal),
                HashPolicy.PolicySpecifierOneofCase.QueryParameter => new HashPolicySpec(HashSource.QueryParameter, Required(policy.QueryParameter.Name, $"{at}.query_parameter.name"), policy.Terminal),
                var other => throw new TranslationException($"{at}: {other}: not supported (header, cookie, connection_properties.source_ip and query_parameter are)"),
            });
        }
        return result.DrainToImmutable();
    }

    /// <summary>A FractionalPercent in millionths; an absent one is 0%, more than 100% is 100%.</summary>
    public static uint PerMillion(FractionalPercent? percent)
    {
        if (percent is null) return 0;
        ulong scale = percent.Denominator switch
        {
            FractionalPercent.Types.DenominatorType.Hundred => 10_000,
            FractionalPercent.Types.DenominatorType.TenThousand => 100,
            _ => 1,
        };
        return (uint)Math.Min(percent.Numerator * scale, Million);
    }

    private static string Required(string value, string where) =>
        string.IsNullOrEmpty(value) ? throw new TranslationException($"{where}: required") : value;
}
