using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Orleans.Runtime;

namespace Mesh.Silo.Clustering;

/// <summary>
/// Object names and label values for a cluster's membership objects. Kubernetes names are DNS
/// subdomains (lowercase alphanumerics, '-', '.') and label values at most 63 characters, while an
/// Orleans cluster id is any string, so the id is turned into a slug; a slug that lost anything
/// (case, other characters, length) gets a hash of the exact id, so two ids never share a slug.
/// The exact id is also kept in every object's spec and checked on read.
/// </summary>
internal static class MembershipNames
{
    private const int MaxSlugStem = 40;

    /// <summary>The cluster's slug: the name of its MeshClusterVersion and the value of every row's cluster label.</summary>
    public static string Cluster(string clusterId)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        var mapped = new StringBuilder(clusterId.Length);
        foreach (var c in clusterId.ToLowerInvariant()) mapped.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '-');
        var stem = mapped.ToString().Trim('-');
        if (stem == clusterId && stem.Length <= MaxSlugStem) return stem;
        stem = stem.Length > MaxSlugStem ? stem[..MaxSlugStem].TrimEnd('-') : stem;
        var hash = Hash(clusterId);
        return stem.Length == 0 ? $"c-{hash}" : $"{stem}-{hash}";
    }

    /// <summary>
    /// A silo's row: "slug.10-0-0-7-11111-123456" for an IPv4 silo (address, port, generation),
    /// readable in kubectl; any other address gets "slug.silo-HASH". The slug has no '.', and the two
    /// forms cannot meet (an IPv4 form starts with a digit), so names of distinct silos never collide.
    /// </summary>
    public static string Silo(string clusterId, SiloAddress silo)
    {
        var endpoint = silo.Endpoint;
        var part = endpoint.Address.AddressFamily == AddressFamily.InterNetwork && silo.Generation >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"{endpoint.Address.ToString().Replace('.', '-')}-{endpoint.Port}-{silo.Generation}")
            : $"silo-{Hash(silo.ToParsableString())}";
        return $"{Cluster(clusterId)}.{part}";
    }

    /// <summary>The list selector for one cluster's rows.</summary>
    public static string ClusterSelector(string clusterId) => $"{MembershipKinds.ClusterLabel}={Cluster(clusterId)}";

    private static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
