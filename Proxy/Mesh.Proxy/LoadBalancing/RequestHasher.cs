using System.Collections.Immutable;
using Mesh.Proxy.Configuration;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.LoadBalancing;

/// <summary>
/// A request's consistent-hash key from the route's hash_policy, as Envoy computes it: policies in
/// order, each that finds its value contributes, combined by rotate-and-xor; a terminal policy that
/// produced a hash ends the walk. No value at all means no hash, and the ring picks at random.
/// </summary>
public static class RequestHasher
{
    public static ulong? Hash(ImmutableArray<HashPolicySpec> policies, HttpContext context)
    {
        ulong? result = null;
        foreach (var policy in policies)
        {
            if (Hash(policy, context) is not { } hash) continue;
            result = result is { } previous ? KeyHash.Combine(previous, hash) : hash;
            if (policy.Terminal) break;
        }
        return result;
    }

    private static ulong? Hash(HashPolicySpec policy, HttpContext context)
    {
        var request = context.Request;
        switch (policy.Source)
        {
            case HashSource.Header:
                // Several values of one header are one key, in the order sent.
                var values = request.Headers[policy.Name];
                return values.Count == 0 ? null : KeyHash.Of(values.Count == 1 ? values[0] ?? "" : string.Join('\n', values.ToArray()));
            case HashSource.Cookie:
                // Envoy would also mint the cookie when a ttl is set; without one, the request has no key.
                return request.Cookies.TryGetValue(policy.Name, out var cookie) ? KeyHash.Of(cookie) : null;
            case HashSource.SourceIp:
                return context.Connection.RemoteIpAddress is { } ip ? KeyHash.Of(ip.ToString()) : null;
            case HashSource.QueryParameter:
                // Envoy takes the first occurrence of the parameter.
                var query = request.Query[policy.Name];
                return query.Count == 0 ? null : KeyHash.Of(query[0] ?? "");
            default:
                return null;
        }
    }
}
