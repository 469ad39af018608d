namespace Mesh.Silo.Ca;

/// <summary>A workload identity as Istio writes it: spiffe://&lt;trust-domain&gt;/ns/&lt;namespace&gt;/sa/&lt;service-account&gt;.</summary>
public sealed record SpiffeId(string TrustDomain, string Namespace, string ServiceAccount)
{
    public const string Scheme = "spiffe";

    public string Uri => $"{Scheme}://{TrustDomain}/ns/{Namespace}/sa/{ServiceAccount}";

    public override string ToString() => Uri;

    /// <summary>Istio's form only: anything else (another path, a query, empty parts) is not a workload identity.</summary>
    public static bool TryParse(string? text, out SpiffeId id)
    {
        id = null!;
        if (text is null || !text.StartsWith(Scheme + "://", StringComparison.Ordinal)) return false;
        var parts = text[(Scheme.Length + 3)..].Split('/');
        if (parts.Length != 5 || parts[1] != "ns" || parts[3] != "sa") return false;
        if (parts.Any(p => p.Length == 0 || p.Any(c => char.IsWhiteSpace(c) || c is '?' or '#' or '%'))) return false;
        id = new SpiffeId(parts[0], parts[2], parts[4]);
        return true;
    }
}
