using System.Collections.Immutable;

namespace Mesh.Silo.Xds;

/// <summary>One state-of-the-world request, reduced to what the decision needs.</summary>
public sealed record SotwRequest(string? VersionInfo, string? ResponseNonce, IReadOnlyList<string> ResourceNames, bool HasError);

/// <summary>A workload's readiness as its proxy reported it over ADS.</summary>
public sealed record HealthReport(bool Healthy, string? Message);

/// <summary>One Delta request, reduced to what the decision needs.</summary>
public sealed record DeltaRequest(
    string? ResponseNonce,
    IReadOnlyList<string> Subscribe,
    IReadOnlyList<string> Unsubscribe,
    IReadOnlyDictionary<string, string> InitialVersions,
    bool HasError);

/// <summary>
/// Whether to answer a request: the whole xDS request protocol in two pure functions
/// (after Istio's ShouldRespond), table-tested in ResponsePolicyTests. wildcardType is true for
/// the types with wildcard semantics (LDS, CDS).
/// </summary>
public static class ResponsePolicy
{
    public const string WildcardName = "*";

    /// <summary>
    /// Istio's workload health report (type HealthInformation; error_detail set = unhealthy, its message
    /// the reason): not a subscription, ACK or NACK, and never answered. Null for every other type.
    /// </summary>
    public static HealthReport? Health(string typeUrl, bool hasError, string? errorMessage) =>
        typeUrl == XdsTypes.HealthInformation ? new HealthReport(!hasError, hasError ? errorMessage ?? "" : null) : null;

    /// <param name="currentNames">
    /// The same names as <paramref name="current"/>'s, in a set that is faster to look up (the stream
    /// passes one shared by every stream holding the set); null to use the watch's own.
    /// </param>
    public static ResponseDecision Sotw(WatchState? current, SotwRequest request, bool wildcardType, IReadOnlySet<string>? currentNames = null)
    {
        var nonce = NullIfEmpty(request.ResponseNonce);
        // The common case, an ACK naming what is already watched, builds no new name set: a
        // proxy watching 1,000 clusters ACKs every push.
        if (current is not null && nonce is not null && nonce == current.NonceSent && !request.HasError
            && SameSubscription(current, currentNames ?? current.Names, request.ResourceNames, wildcardType))
            return new(RequestKind.Ack, false, current with { VersionAcked = request.VersionInfo }, []);

        var (wildcard, names) = SotwSubscription(request.ResourceNames, wildcardType, current);

        if (current is not null && nonce is null)
        {
            // Not a first request (the type is watched on this stream), yet it answers no response:
            // only a changed subscription is owed an answer. Answering every such request in full
            // lets a client turn tiny requests into whole CDS responses.
            var grown = names.Except(current.Names).ToList();
            var widened = wildcard && !current.Wildcard;
            if (grown.Count == 0 && !widened && wildcard == current.Wildcard && names.SetEquals(current.Names))
                return new(RequestKind.Repeat, false, current, []);
            return new(RequestKind.SubscriptionChange, grown.Count > 0 || widened, current with { Wildcard = wildcard, Names = names }, grown);
        }

        if (current is null)
        {
            var kind = nonce is not null || NullIfEmpty(request.VersionInfo) is not null ? RequestKind.Reconnect : RequestKind.Initial;
            return new(kind, true, WatchState.Empty with { Wildcard = wildcard, Names = names }, [.. names]);
        }

        if (nonce != current.NonceSent) return new(RequestKind.StaleNonce, false, current, []);

        if (request.HasError)
            return new(RequestKind.Nack, false, current with { Wildcard = wildcard, Names = names }, []);

        var acked = current with { VersionAcked = request.VersionInfo, Wildcard = wildcard, Names = names };
        var added = names.Except(current.Names).ToList();
        var newlyWildcard = wildcard && !current.Wildcard;
        if (added.Count == 0 && !newlyWildcard && wildcard == current.Wildcard && names.SetEquals(current.Names))
            return new(RequestKind.Ack, false, acked, []);
        // Only removals: the client has already forgotten them; nothing to send.
        return new(RequestKind.SubscriptionChange, added.Count > 0 || newlyWildcard, acked, added);
    }

    public static ResponseDecision Delta(WatchState? current, DeltaRequest request, bool wildcardType)
    {
        var nonce = NullIfEmpty(request.ResponseNonce);
        if (current is null)
        {
            // Per the Delta spec, a first request with no names subscribes to the wildcard.
            var wildcard = (wildcardType && request.Subscribe.Count == 0) || request.Subscribe.Contains(WildcardName);
            var names = request.Subscribe.Where(n => n != WildcardName).ToImmutableHashSet(StringComparer.Ordinal);
            var known = request.InitialVersions.ToImmutableSortedDictionary(kv => kv.Key, kv => WatchState.HeldVersion(kv.Key, kv.Value), StringComparer.Ordinal);
            var kind = known.Count > 0 ? RequestKind.Reconnect : RequestKind.Initial;
            return new(kind, true, WatchState.Empty with { Wildcard = wildcard, Names = names, Known = known }, [.. names]);
        }

        var changed = Apply(current, request.Subscribe, request.Unsubscribe, out var added);
        var hasChanges = request.Subscribe.Count > 0 || request.Unsubscribe.Count > 0;

        if (nonce is not null && nonce != current.NonceSent)
            // Subscription changes are deltas of their own and must not be lost, even on a stale nonce.
            return hasChanges
                ? new(RequestKind.SubscriptionChange, added.Count > 0 || (changed.Wildcard && !current.Wildcard), changed, added)
                : new(RequestKind.StaleNonce, false, current, []);

        if (request.HasError) return new(RequestKind.Nack, false, changed, []);

        var acked = nonce is null ? changed : changed with { VersionAcked = current.VersionSent };
        if (!hasChanges) return new(RequestKind.Ack, false, acked, []);
        return new(RequestKind.SubscriptionChange, added.Count > 0 || (acked.Wildcard && !current.Wildcard), acked, added);
    }

    private static WatchState Apply(WatchState current, IReadOnlyList<string> subscribe, IReadOnlyList<string> unsubscribe, out List<string> added)
    {
        var wildcard = current.Wildcard;
        var names = current.Names.ToBuilder();
        var known = current.Known.ToBuilder();
        added = [];
        foreach (var name in unsubscribe)
        {
            if (name == WildcardName) wildcard = false;
            else if (names.Remove(name)) known.Remove(name);
        }
        foreach (var name in subscribe)
        {
            if (name == WildcardName) wildcard = true;
            else if (names.Add(name)) added.Add(name);
        }
        return current with { Wildcard = wildcard, Names = names.ToImmutable(), Known = known.ToImmutable() };
    }

    private static (bool Wildcard, ImmutableHashSet<string> Names) SotwSubscription(
        IReadOnlyList<string> resourceNames, bool wildcardType, WatchState? current)
    {
        // Legacy wildcard (no names) exists only for LDS/CDS and only until the client names
        // something; after that, and for every other type, no names means "none".
        var legacy = wildcardType && resourceNames.Count == 0 && (current is null || (current.Wildcard && current.Names.IsEmpty));
        var wildcard = legacy || resourceNames.Contains(WildcardName);
        var names = resourceNames.Where(n => n != WildcardName).ToImmutableHashSet(StringComparer.Ordinal);
        return (wildcard, names);
    }

    private static bool SameSubscription(WatchState current, IReadOnlySet<string> currentNames, IReadOnlyList<string> requested, bool wildcardType)
    {
        var explicitWildcard = false;
        var named = 0;
        for (var i = 0; i < requested.Count; i++)
        {
            var name = requested[i];
            if (name == WildcardName) { explicitWildcard = true; continue; }
            if (!currentNames.Contains(name)) return false;
            named++;
        }
        var legacy = wildcardType && requested.Count == 0 && current.Wildcard && current.Names.IsEmpty;
        // Counting covers duplicates in the request only if the client sends none; a set of equal
        // size with every name known is the same set, which is what matters here.
        return (explicitWildcard || legacy) == current.Wildcard && named == current.Names.Count;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
