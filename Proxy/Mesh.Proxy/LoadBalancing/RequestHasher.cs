using System.Collections.Immutable;
using System.Globalization;
using System.Text;
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
    public static ulong? Hash(ImmutableArray<HashPolicySpec> policies, HttpContext context) => Hash(policies, context, setCookies: null);

    /// <param name="setCookies">
    /// Receives the Set-Cookie values of cookies generated for cookie policies with a ttl that the
    /// request lacked; the caller adds them to the upstream's response. Null: generate none.
    /// </param>
    public static ulong? Hash(ImmutableArray<HashPolicySpec> policies, HttpContext context, ICollection<string>? setCookies)
    {
        ulong? result = null;
        foreach (var policy in policies)
        {
            if (Hash(policy, context, setCookies) is not { } hash) continue;
            result = result is { } previous ? KeyHash.Combine(previous, hash) : hash;
            if (policy.Terminal) break;
        }
        return result;
    }

    private static ulong? Hash(HashPolicySpec policy, HttpContext context, ICollection<string>? setCookies)
    {
        var request = context.Request;
        switch (policy.Source)
        {
            case HashSource.Header:
                // Several values of one header are one key, in the order sent.
                var values = request.Headers[policy.Name];
                return values.Count == 0 ? null : KeyHash.Of(values.Count == 1 ? values[0] ?? "" : string.Join('\n', values.ToArray()));
            case HashSource.Cookie:
                if (request.Cookies.TryGetValue(policy.Name, out var cookie)) return KeyHash.Of(Unquote(cookie));
                if (policy.CookieTtl is not { } ttl || setCookies is null) return null;
                var generated = GeneratedValue(context.Connection);
                setCookies.Add(SetCookie(policy.Name, generated, policy.CookiePath, ttl));
                return KeyHash.Of(generated);
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

    /// <summary>
    /// Envoy's generated cookie value: the hash of the downstream connection's remote and local
    /// addresses in hex, so requests racing on one connection all get the same cookie.
    /// </summary>
    internal static string GeneratedValue(ConnectionInfo connection)
    {
        var addresses = $"{Address(connection.RemoteIpAddress, connection.RemotePort)}{Address(connection.LocalIpAddress, connection.LocalPort)}";
        return KeyHash.Of(addresses).ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>Envoy's makeSetCookieValue: quoted value, Max-Age unless 0 (a session cookie), Path if any, HttpOnly.</summary>
    internal static string SetCookie(string name, string value, string path, TimeSpan ttl)
    {
        var text = new StringBuilder().Append(name).Append("=\"").Append(value).Append('"');
        var seconds = (long)ttl.TotalSeconds;
        if (seconds != 0) text.Append("; Max-Age=").Append(seconds.ToString(CultureInfo.InvariantCulture));
        if (path.Length > 0) text.Append("; Path=").Append(path);
        return text.Append("; HttpOnly").ToString();
    }

    // Envoy strips the quotes its own Set-Cookie puts around the value, so the key is the same either way.
    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;

    private static string Address(System.Net.IPAddress? ip, int port) =>
        ip is null ? "" : ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{ip}]:{port.ToString(CultureInfo.InvariantCulture)}"
            : $"{ip}:{port.ToString(CultureInfo.InvariantCulture)}";
}
