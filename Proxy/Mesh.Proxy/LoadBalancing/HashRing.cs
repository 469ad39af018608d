using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.LoadBalancing;

/// <summary>
/// Envoy's ring hash (Karger et al.): each endpoint owns points on a 64-bit ring in proportion to its
/// weight, a request's hash takes the first point at or after it. A key therefore stays on its
/// endpoint while the endpoints are unchanged, and moves only if its own endpoint goes away or a new
/// endpoint's point lands before it. Immutable, built once per endpoint set, looked up per request.
/// </summary>
public sealed class HashRing
{
    private readonly ulong[] _points;
    private readonly int[] _owners;

    private HashRing(ulong[] points, int[] owners, IReadOnlyList<EndpointSnapshot> endpoints)
    {
        _points = points;
        _owners = owners;
        Endpoints = endpoints;
    }

    public IReadOnlyList<EndpointSnapshot> Endpoints { get; }
    public int Size => _points.Length;

    /// <summary>
    /// Envoy's sizing: scale so the lightest endpoint gets at least one point per its share of the
    /// minimum size, capped at the maximum; each endpoint then gets ceil(share * scale) points.
    /// </summary>
    public static HashRing Build(IReadOnlyList<EndpointSnapshot> endpoints, RingSizes sizes)
    {
        if (endpoints.Count == 0) return new HashRing([], [], endpoints);
        double total = 0;
        foreach (var e in endpoints) total += Math.Max(1u, e.Weight);
        var minShare = double.MaxValue;
        foreach (var e in endpoints) minShare = Math.Min(minShare, Math.Max(1u, e.Weight) / total);
        // The epsilon keeps float error (1/3 * 1026 = 342.0000001) from adding a point per endpoint.
        const double epsilon = 1e-9;
        var scale = Math.Min(Math.Ceiling(minShare * sizes.Minimum - epsilon) / minShare, sizes.Maximum);

        var entries = new List<(ulong Point, int Owner)>((int)Math.Min(scale + endpoints.Count, int.MaxValue / 2));
        for (var i = 0; i < endpoints.Count; i++)
        {
            var e = endpoints[i];
            var count = (long)Math.Ceiling(Math.Max(1u, e.Weight) / total * scale - epsilon);
            var prefix = $"{e.Address}:{e.Port}_";
            var key = new char[prefix.Length + 20];
            for (long n = 0; n < count; n++)
            {
                // "address:port_n", as Envoy names a host's ring points.
                prefix.CopyTo(key);
                n.TryFormat(key.AsSpan(prefix.Length), out var written);
                entries.Add((KeyHash.Of(key.AsSpan(0, prefix.Length + written)), i));
            }
        }
        // Ties broken by owner so the ring does not depend on the endpoints' order in the EDS response.
        entries.Sort((a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : Compare(endpoints[a.Owner], endpoints[b.Owner]));
        return new HashRing([.. entries.Select(x => x.Point)], [.. entries.Select(x => x.Owner)], endpoints);
    }

    /// <summary>The endpoint owning the first point at or after hash (wrapping); skips avoid when another endpoint exists.</summary>
    public EndpointSnapshot? Find(ulong hash, EndpointSnapshot? avoid = null)
    {
        if (_points.Length == 0) return null;
        var index = Array.BinarySearch(_points, hash);
        if (index < 0) index = ~index;
        for (var step = 0; step < _points.Length; step++)
        {
            var endpoint = Endpoints[_owners[(index + step) % _points.Length]];
            // A retry walks on to the next endpoint on the ring, as Envoy's rehash with previous_hosts would.
            if (avoid is null || Endpoints.Count == 1 || !endpoint.Equals(avoid)) return endpoint;
        }
        return Endpoints[_owners[index % _points.Length]];
    }

    private static int Compare(EndpointSnapshot a, EndpointSnapshot b)
    {
        var byAddress = string.CompareOrdinal(a.Address, b.Address);
        return byAddress != 0 ? byAddress : a.Port.CompareTo(b.Port);
    }
}
