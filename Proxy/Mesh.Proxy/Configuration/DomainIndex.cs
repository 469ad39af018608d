namespace Mesh.Proxy.Configuration;

/// <summary>Envoy's virtual host selection: exact, then suffix wildcards, then prefix wildcards, then "*".</summary>
internal sealed class DomainIndex
{
    private readonly Dictionary<string, VirtualHostRoutes> _exact;
    private readonly (string Suffix, VirtualHostRoutes Host)[] _suffixes;
    private readonly (string Prefix, VirtualHostRoutes Host)[] _prefixes;
    private readonly VirtualHostRoutes? _any;

    private DomainIndex(
        Dictionary<string, VirtualHostRoutes> exact,
        (string, VirtualHostRoutes)[] suffixes,
        (string, VirtualHostRoutes)[] prefixes,
        VirtualHostRoutes? any)
    {
        _exact = exact;
        _suffixes = suffixes;
        _prefixes = prefixes;
        _any = any;
    }

    public static DomainIndex Build(IEnumerable<VirtualHostRoutes> hosts)
    {
        var exact = new Dictionary<string, VirtualHostRoutes>(StringComparer.OrdinalIgnoreCase);
        var suffixes = new List<(string, VirtualHostRoutes)>();
        var prefixes = new List<(string, VirtualHostRoutes)>();
        VirtualHostRoutes? any = null;
        foreach (var host in hosts)
        {
            foreach (var domain in host.Domains)
            {
                // First claim wins, as in the silo's table composition (Envoy rejects duplicates outright).
                if (domain == "*") any ??= host;
                else if (domain.StartsWith('*')) suffixes.Add((domain[1..], host));
                else if (domain.EndsWith('*')) prefixes.Add((domain[..^1], host));
                else exact.TryAdd(domain, host);
            }
        }
        // Longest wildcard first: Envoy prefers the most specific.
        return new DomainIndex(
            exact,
            [.. suffixes.OrderByDescending(s => s.Item1.Length)],
            [.. prefixes.OrderByDescending(p => p.Item1.Length)],
            any);
    }

    public VirtualHostRoutes? Find(string authority)
    {
        if (_exact.TryGetValue(authority, out var host)) return host;
        foreach (var (suffix, candidate) in _suffixes)
        {
            if (authority.Length > suffix.Length && authority.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return candidate;
        }
        foreach (var (prefix, candidate) in _prefixes)
        {
            if (authority.Length > prefix.Length && authority.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return candidate;
        }
        return _any;
    }
}
