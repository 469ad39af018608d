using System.Collections.Immutable;
using Mesh.Silo.Xds;

namespace Mesh.Silo.Tests.Xds;

public sealed class ResponsePolicySotwTests
{
    private static WatchState Sent(string nonce, string version, params string[] names) =>
        WatchState.Empty with
        {
            Names = names.ToImmutableHashSet(StringComparer.Ordinal),
            Wildcard = false,
            NonceSent = nonce,
            VersionSent = version,
        };

    private static readonly WatchState SentWildcard = WatchState.Empty with { Wildcard = true, NonceSent = "n1", VersionSent = "v1" };

    public sealed record Case(string Name, WatchState? Current, SotwRequest Request, bool WildcardType,
        RequestKind Kind, bool Respond, bool Wildcard, string[] Names, string[] Added, string? Acked);

    public static IEnumerable<object[]> Cases() => new Case[]
    {
        new("first request, named", null, new(null, null, ["a", "b"], false), false,
            RequestKind.Initial, true, false, ["a", "b"], ["a", "b"], null),
        new("first request, CDS legacy wildcard", null, new(null, null, [], false), true,
            RequestKind.Initial, true, true, [], [], null),
        new("first request, EDS with no names is not a wildcard", null, new(null, null, [], false), false,
            RequestKind.Initial, true, false, [], [], null),
        new("first request, explicit wildcard", null, new(null, null, ["*"], false), true,
            RequestKind.Initial, true, true, [], [], null),
        new("reconnect with a previous version", null, new("v0", null, ["a"], false), false,
            RequestKind.Reconnect, true, false, ["a"], ["a"], null),
        new("reconnect with a previous nonce", null, new("v0", "old-nonce", ["a"], false), false,
            RequestKind.Reconnect, true, false, ["a"], ["a"], null),
        new("ack", Sent("n1", "v1", "a"), new("v1", "n1", ["a"], false), false,
            RequestKind.Ack, false, false, ["a"], [], "v1"),
        new("ack of wildcard", SentWildcard, new("v1", "n1", [], false), true,
            RequestKind.Ack, false, true, [], [], "v1"),
        new("nack", Sent("n1", "v1", "a"), new("v0", "n1", ["a"], true), false,
            RequestKind.Nack, false, false, ["a"], [], null),
        new("stale nonce", Sent("n2", "v2", "a"), new("v1", "n1", ["a", "b"], false), false,
            RequestKind.StaleNonce, false, false, ["a"], [], null),
        new("stale nack is ignored too", Sent("n2", "v2", "a"), new("v1", "n1", ["a"], true), false,
            RequestKind.StaleNonce, false, false, ["a"], [], null),
        new("subscribe to one more", Sent("n1", "v1", "a"), new("v1", "n1", ["a", "b"], false), false,
            RequestKind.SubscriptionChange, true, false, ["a", "b"], ["b"], "v1"),
        new("unsubscribe only: nothing to send", Sent("n1", "v1", "a", "b"), new("v1", "n1", ["a"], false), false,
            RequestKind.SubscriptionChange, false, false, ["a"], [], "v1"),
        new("unsubscribe all EDS: no names means none, not wildcard", Sent("n1", "v1", "a"), new("v1", "n1", [], false), false,
            RequestKind.SubscriptionChange, false, false, [], [], "v1"),
        new("named CDS then empty is not a legacy wildcard", Sent("n1", "v1", "a"), new("v1", "n1", [], false), true,
            RequestKind.SubscriptionChange, false, false, [], [], "v1"),
        new("request without nonce on a known type, same names: not answered again", Sent("n1", "v1", "a"), new(null, null, ["a"], false), false,
            RequestKind.Repeat, false, false, ["a"], [], null),
        new("request without nonce on a known wildcard type, same wildcard: not answered again", SentWildcard, new(null, null, [], false), true,
            RequestKind.Repeat, false, true, [], [], null),
        new("request without nonce adding a name: answered", Sent("n1", "v1", "a"), new(null, null, ["a", "b"], false), false,
            RequestKind.SubscriptionChange, true, false, ["a", "b"], ["b"], null),
        new("request without nonce dropping a name: nothing to send", Sent("n1", "v1", "a", "b"), new(null, null, ["a"], false), false,
            RequestKind.SubscriptionChange, false, false, ["a"], [], null),
    }.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sotw_Request_DecidesAsTheProtocolSays(Case c)
    {
        var decision = ResponsePolicy.Sotw(c.Current, c.Request, c.WildcardType);

        Assert.True(c.Kind == decision.Kind, $"{c.Name}: kind {decision.Kind}, expected {c.Kind}");
        Assert.True(c.Respond == decision.Respond, $"{c.Name}: respond {decision.Respond}, expected {c.Respond}");
        Assert.True(c.Wildcard == decision.State.Wildcard, $"{c.Name}: wildcard {decision.State.Wildcard}, expected {c.Wildcard}");
        Assert.Equal(c.Names.Order(), decision.State.Names.Order());
        Assert.Equal(c.Added.Order(), decision.Added.Order());
        if (c.Acked is not null) Assert.Equal(c.Acked, decision.State.VersionAcked);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sotw_RequestWithSharedLookup_DecidesAsWithoutIt(Case c)
    {
        // As the stream calls it: the watch's names also as the frozen set its streams share.
        var lookup = c.Current is { Names.Count: > 0 } current ? new SubscriptionSets().Lookup(current.Names) : null;

        var withLookup = ResponsePolicy.Sotw(c.Current, c.Request, c.WildcardType, lookup);
        var without = ResponsePolicy.Sotw(c.Current, c.Request, c.WildcardType);

        Assert.True(without.Kind == withLookup.Kind, $"{c.Name}: kind {withLookup.Kind}, expected {without.Kind}");
        Assert.Equal(without.Respond, withLookup.Respond);
        Assert.Equal(without.State.Wildcard, withLookup.State.Wildcard);
        Assert.Equal(without.State.Names.Order(), withLookup.State.Names.Order());
        Assert.Equal(without.State.VersionAcked, withLookup.State.VersionAcked);
        Assert.Equal(without.Added.Order(), withLookup.Added.Order());
    }

    [Fact]
    public void Sotw_Nack_KeepsVersionSentAndDoesNotAck()
    {
        var decision = ResponsePolicy.Sotw(Sent("n1", "v1", "a"), new("v0", "n1", ["a"], true), false);

        Assert.Equal("v1", decision.State.VersionSent);
        Assert.Null(decision.State.VersionAcked);
    }
}
