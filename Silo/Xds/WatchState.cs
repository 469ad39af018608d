using System.Collections.Immutable;

namespace Mesh.Silo.Xds;

/// <summary>
/// What one stream knows about one resource type: the subscription (names or wildcard) and the
/// last response's nonce and version. One model for state-of-the-world and Delta; Delta also
/// tracks what the client holds per resource (Known: the resource as sent, whose Version is what
/// matters, or a version-only stub from a reconnect's initial_resource_versions), since its
/// responses are diffs. A proxy that holds exactly its view keeps the view's own map here, shared.
/// </summary>
public sealed record WatchState(
    bool Wildcard,
    ImmutableHashSet<string> Names,
    string? NonceSent,
    string? VersionSent,
    string? VersionAcked,
    ImmutableSortedDictionary<string, Mesh.Grains.Abstractions.XdsResource> Known)
{
    public static WatchState Empty { get; } =
        new(false, ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal), null, null, null,
            ImmutableSortedDictionary<string, Mesh.Grains.Abstractions.XdsResource>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>What a client says it holds (initial_resource_versions): a version and no body.</summary>
    public static Mesh.Grains.Abstractions.XdsResource HeldVersion(string name, string version) => new("", name, version, []);

    public bool Wants(string name) => Wildcard || Names.Contains(name);
}

/// <summary>What a request was, as the protocol defines it.</summary>
public enum RequestKind
{
    /// <summary>First request for a type on this stream.</summary>
    Initial,
    /// <summary>First request on this stream, but the client already holds a version (it had another stream).</summary>
    Reconnect,
    /// <summary>The client accepted the last response and asks for nothing new.</summary>
    Ack,
    /// <summary>The client rejected the last response (error_detail set).</summary>
    Nack,
    /// <summary>The request answers a response that is no longer the latest; ignored.</summary>
    StaleNonce,
    /// <summary>The client changed which resources it wants.</summary>
    SubscriptionChange,
    /// <summary>A request without a nonce for a type already watched, asking for the same names again; not answered.</summary>
    Repeat,
}

/// <summary>
/// The outcome of one request: whether to send a response now, the new watch state, and the
/// names the client newly asked for (a Delta response for a subscription change carries only those).
/// </summary>
public sealed record ResponseDecision(RequestKind Kind, bool Respond, WatchState State, IReadOnlyList<string> Added);
