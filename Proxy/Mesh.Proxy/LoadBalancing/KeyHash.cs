namespace Mesh.Proxy.LoadBalancing;

/// <summary>
/// A 64-bit string hash that is the same in every process and run (string.GetHashCode is
/// randomized per process), so a key maps to the same endpoint across sidecar restarts and on
/// every sidecar with the same endpoints: FNV-1a over the UTF-16 code units, then MurmurHash3's
/// finalizer, since FNV alone spreads short, similar keys ("user-1", "user-2") poorly on a ring.
/// </summary>
public static class KeyHash
{
    private const ulong Offset = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static ulong Of(ReadOnlySpan<char> text) => Mix(Fnv(Offset, text));

    /// <summary>Envoy's combination of several hash policies' results: rotate left by one, then xor.</summary>
    public static ulong Combine(ulong accumulated, ulong next) => ((accumulated << 1) | (accumulated >> 63)) ^ next;

    private static ulong Fnv(ulong hash, ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            hash = (hash ^ (byte)c) * Prime;
            hash = (hash ^ (byte)(c >> 8)) * Prime;
        }
        return hash;
    }

    private static ulong Mix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccd;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53;
        k ^= k >> 33;
        return k;
    }
}
