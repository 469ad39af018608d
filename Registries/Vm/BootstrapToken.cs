using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Registries.Vm;

/// <summary>What a bootstrap token grants: joining one WorkloadGroup until it expires.</summary>
public sealed record BootstrapClaims(
    [property: JsonPropertyName("ns")] string Namespace,
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("exp")] long ExpiresUnixSeconds)
{
    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeSeconds(ExpiresUnixSeconds);
}

/// <summary>
/// WorkloadGroup-scoped bootstrap tokens, "mesh-vm.v1.&lt;claims&gt;.&lt;mac&gt;" (both base64url):
/// HMAC-SHA256 over the claims with the mesh's bootstrap key, so any silo holding the key verifies
/// a token without a lookup. Istio's VMs present a Kubernetes service-account token instead; a
/// mesh without Kubernetes needs its own.
/// </summary>
public static class BootstrapToken
{
    public const string Prefix = "mesh-vm.v1.";

    public static string Issue(ReadOnlySpan<byte> key, BootstrapClaims claims)
    {
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        return $"{Prefix}{payload}.{Base64Url(Mac(key, payload))}";
    }

    /// <summary>The claims of a valid, unexpired token for that group, else why not.</summary>
    public static TokenCheck Verify(ReadOnlySpan<byte> key, string? token, string ns, string group, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(token)) return TokenCheck.Fail("no bootstrap token (gRPC metadata \"authorization: Bearer <token>\")");
        if (!token.StartsWith(Prefix, StringComparison.Ordinal)) return TokenCheck.Fail("not a mesh-vm.v1 bootstrap token");
        var parts = token[Prefix.Length..].Split('.');
        if (parts.Length != 2) return TokenCheck.Fail("malformed bootstrap token");
        byte[] mac;
        BootstrapClaims? claims;
        try
        {
            mac = FromBase64Url(parts[1]);
            claims = JsonSerializer.Deserialize<BootstrapClaims>(FromBase64Url(parts[0]));
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return TokenCheck.Fail("malformed bootstrap token");
        }
        // Constant time, so the MAC cannot be guessed byte by byte from response times.
        if (!CryptographicOperations.FixedTimeEquals(mac, Mac(key, parts[0])) || claims is null)
            return TokenCheck.Fail("bootstrap token signature does not verify (another mesh's key, or altered)");
        if (claims.Namespace != ns || claims.Group != group)
            return TokenCheck.Fail($"bootstrap token is for WorkloadGroup {claims.Namespace}/{claims.Group}, not {ns}/{group}");
        if (now >= claims.ExpiresAt)
            return TokenCheck.Fail($"bootstrap token expired at {claims.ExpiresAt:O}");
        return new TokenCheck(claims, null);
    }

    private static byte[] Mac(ReadOnlySpan<byte> key, string payload) => HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(payload));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}

/// <summary>A verification outcome: claims when valid, else the reason (safe to show the caller).</summary>
public sealed record TokenCheck(BootstrapClaims? Claims, string? Error)
{
    public bool Valid => Claims is not null;

    public static TokenCheck Fail(string error) => new(null, error);
}
