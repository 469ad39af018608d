using System.Collections.Immutable;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Proxy.Configuration;
using Mesh.Api.Xds;

namespace Mesh.Proxy.Xds;

/// <summary>One resource as received, in either protocol flavour.</summary>
public sealed record XdsResource(string Name, string Version, Any Resource);

/// <summary>The result of applying one response: accepted (new snapshot) or rejected (the NACK's message).</summary>
public sealed record ApplyOutcome(bool Accepted, string? Error, ProxySnapshot Snapshot);

/// <summary>
/// The subscription model under both protocol flavours: what the proxy holds per type, what it
/// wants next (EDS names from clusters, RDS names from listeners), and whether a response can be
/// applied. A rejected response leaves everything as it was. Not thread-safe: one stream loop owns it,
/// and it outlives streams, so a reconnect starts from the last good config.
/// </summary>
public sealed class XdsSession
{
    private readonly Dictionary<string, ImmutableDictionary<string, string>> _versions =
        new[] { ResourceTypes.Cluster, ResourceTypes.ClusterLoadAssignment, ResourceTypes.Listener, ResourceTypes.RouteConfiguration }.ToDictionary(t => t, _ => ImmutableDictionary<string, string>.Empty);

    private readonly HashSet<string> _accepted = [];

    public ProxySnapshot Current { get; private set; } = ProxySnapshot.Empty;

    /// <summary>Types that have had at least one accepted response (any stream).</summary>
    public bool HasAccepted(string typeUrl) => _accepted.Contains(typeUrl);

    /// <summary>Per resource name, the version held: Delta's initial_resource_versions on reconnect.</summary>
    public IReadOnlyDictionary<string, string> Versions(string typeUrl) => _versions[typeUrl];

    /// <summary>The names to subscribe to for a type: "*" for CDS/LDS, else what clusters and listeners reference.</summary>
    public ImmutableSortedSet<string> WantedNames(string typeUrl) => typeUrl switch
    {
        ResourceTypes.ClusterLoadAssignment => Current.Clusters.Values.Select(c => c.EdsServiceName).OfType<string>().ToImmutableSortedSet(StringComparer.Ordinal),
        ResourceTypes.RouteConfiguration => Current.Listeners.Values.Select(l => l.RouteConfigName).OfType<string>().ToImmutableSortedSet(StringComparer.Ordinal),
        _ => ["*"],
    };

    /// <param name="replaceAll">State of the world for CDS/LDS: resources absent from the response are removed.</param>
    public ApplyOutcome Apply(string typeUrl, IReadOnlyList<XdsResource> upserts, IReadOnlyCollection<string> removed, bool replaceAll, string systemVersion)
    {
        ProxySnapshot next;
        try
        {
            next = typeUrl switch
            {
                ResourceTypes.Cluster => ApplyClusters(upserts, removed, replaceAll),
                ResourceTypes.ClusterLoadAssignment => Current with { Endpoints = Merge(Current.Endpoints, upserts, removed, replaceAll, Unpack<ClusterLoadAssignment>, ClusterTranslator.Translate) },
                ResourceTypes.Listener => ApplyListeners(upserts, removed, replaceAll),
                ResourceTypes.RouteConfiguration => Current with { RouteTables = Merge(Current.RouteTables, upserts, removed, replaceAll, Unpack<RouteConfiguration>, RouteTranslator.Translate) },
                _ => throw new TranslationException($"type {typeUrl}: not subscribed by this proxy"),
            };
        }
        catch (TranslationException e)
        {
            return new ApplyOutcome(false, e.Message, Current);
        }

        var versions = replaceAll ? ImmutableDictionary<string, string>.Empty : _versions[typeUrl].RemoveRange(removed);
        _versions[typeUrl] = versions.SetItems(upserts.Select(u => KeyValuePair.Create(u.Name, u.Version)));
        Current = next with { Version = next.Version.SetItem(ResourceTypes.ShortName(typeUrl), systemVersion) };
        _accepted.Add(typeUrl);
        return new ApplyOutcome(true, null, Current);
    }

    private ProxySnapshot ApplyClusters(IReadOnlyList<XdsResource> upserts, IReadOnlyCollection<string> removed, bool replaceAll)
    {
        var clusters = Merge(Current.Clusters, upserts, removed, replaceAll, Unpack<Cluster>, ClusterTranslator.Translate);
        // Like Envoy, endpoints of clusters that are gone are dropped with them.
        var wanted = clusters.Values.Select(c => c.EdsServiceName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var endpoints = Current.Endpoints.Where(e => wanted.Contains(e.Key)).ToImmutableDictionary();
        _versions[ResourceTypes.ClusterLoadAssignment] = _versions[ResourceTypes.ClusterLoadAssignment].Where(v => wanted.Contains(v.Key)).ToImmutableDictionary();
        return Current with { Clusters = clusters, Endpoints = endpoints };
    }

    private ProxySnapshot ApplyListeners(IReadOnlyList<XdsResource> upserts, IReadOnlyCollection<string> removed, bool replaceAll)
    {
        var listeners = replaceAll ? ImmutableDictionary<string, ListenerSnapshot>.Empty : Current.Listeners.RemoveRange(removed);
        foreach (var upsert in upserts)
        {
            // Proxyless API listeners translate to null: not served by a sidecar, and not an error.
            var listener = ListenerTranslator.Translate(Unpack<Listener>(upsert));
            listeners = listener is null ? listeners.Remove(upsert.Name) : listeners.SetItem(upsert.Name, listener);
        }
        var wanted = listeners.Values.Select(l => l.RouteConfigName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var tables = Current.RouteTables.Where(r => wanted.Contains(r.Key)).ToImmutableDictionary();
        _versions[ResourceTypes.RouteConfiguration] = _versions[ResourceTypes.RouteConfiguration].Where(v => wanted.Contains(v.Key)).ToImmutableDictionary();
        return Current with { Listeners = listeners, RouteTables = tables };
    }

    private static ImmutableDictionary<string, TValue> Merge<TMessage, TValue>(
        ImmutableDictionary<string, TValue> current,
        IReadOnlyList<XdsResource> upserts,
        IReadOnlyCollection<string> removed,
        bool replaceAll,
        Func<XdsResource, TMessage> unpack,
        Func<TMessage, TValue> translate)
    {
        var result = replaceAll ? ImmutableDictionary<string, TValue>.Empty : current.RemoveRange(removed);
        foreach (var upsert in upserts) result = result.SetItem(upsert.Name, translate(unpack(upsert)));
        return result;
    }

    private static T Unpack<T>(XdsResource resource) where T : class, IMessage<T>, new()
    {
        var descriptor = new T().Descriptor;
        if (resource.Resource is null || !resource.Resource.Is(descriptor))
            throw new TranslationException($"resource \"{resource.Name}\": expected {descriptor.FullName}, got {resource.Resource?.TypeUrl ?? "nothing"}");
        try
        {
            return resource.Resource.Unpack<T>();
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new TranslationException($"resource \"{resource.Name}\": malformed {descriptor.FullName}: {e.Message}");
        }
    }
}
