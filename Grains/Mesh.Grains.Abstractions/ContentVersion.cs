using System.Security.Cryptography;
using System.Text;

namespace Mesh.Grains.Abstractions;

/// <summary>Content hashes: equal content gives an equal version on every silo, across restarts.</summary>
public static class ContentVersion
{
    public static string Of(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body)[..8]);

    public static string Of(IEnumerable<XdsResource> resources, string extra = "")
    {
        var text = new StringBuilder(extra).Append('\n');
        foreach (var r in resources.OrderBy(r => r.TypeUrl, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal))
            text.Append(r.TypeUrl).Append('\n').Append(r.Name).Append('\n').Append(r.Version).Append('\n');
        return Of(Encoding.UTF8.GetBytes(text.ToString()));
    }
}
