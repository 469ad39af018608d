using System.Collections.Immutable;
using Mesh.Silo.Xds;

namespace Mesh.Silo.Tests.Xds;

public sealed class ResponsePolicyDeltaTests
{
    private static readonly IReadOnlyDictionary<string, string> NoVersions = new Dictionary<string, string>();

    private static WatchState Watching(string nonce, bool wildcard, params string[] names) =>
        WatchState.Empty with
        {
            Wildcard = wildcard,
            Names = names.ToImmutableHashSet(StringComparer.Ordinal),
            NonceSent = nonce,
            VersionSent = "v1",
            Known = names.ToImmutableSortedDictionary(n => n, n => WatchState.HeldVersion(n, "v1"), StringComparer.Ordinal),
        };

    public sealed record Case(string Name, WatchState? Current, DeltaRequest Request, bool WildcardType,
        RequestKind Kind, bool Respond, bool Wildcard, string[] Names, string[] Added);

    public static IEnumerable<object[]> Cases() => new Case[]
    {
        new("first, CDS, no names: wildcard", null, new(null, [], [], NoVersions, false), true,
            RequestKind.Initial, true, true, [], []),
        new("first, EDS, named", null, new(null, ["a"], [], NoVersions, false), false,
            RequestKind.Initial, true, false, ["a"], ["a"]),
        new("first, with initial versions: reconnect", null, new(null, ["a"], [], new Dictionary<string, string> { ["a"] = "v0" }, false), false,
            RequestKind.Reconnect, true, false, ["a"], ["a"]),
        new("ack", Watching("n1", false, "a"), new("n1", [], [], NoVersions, false), false,
            RequestKind.Ack, false, false, ["a"], []),
        new("nack", Watching("n1", false, "a"), new("n1", [], [], NoVersions, true), false,
            RequestKind.Nack, false, false, ["a"], []),
        new("stale nonce without changes", Watching("n2", false, "a"), new("n1", [], [], NoVersions, false), false,
            RequestKind.StaleNonce, false, false, ["a"], []),
        new("stale nonce still subscribes", Watching("n2", false, "a"), new("n1", ["b"], [], NoVersions, false), false,
            RequestKind.SubscriptionChange, true, false, ["a", "b"], ["b"]),
        new("subscribe", Watching("n1", false, "a"), new("n1", ["b"], [], NoVersions, false), false,
            RequestKind.SubscriptionChange, true, false, ["a", "b"], ["b"]),
        new("unsubscribe", Watching("n1", false, "a", "b"), new("n1", [], ["a"], NoVersions, false), false,
            RequestKind.SubscriptionChange, false, false, ["b"], []),
        new("subscribe to what is already watched", Watching("n1", false, "a"), new("n1", ["a"], [], NoVersions, false), false,
            RequestKind.SubscriptionChange, false, false, ["a"], []),
        new("leave wildcard", Watching("n1", true), new("n1", [], ["*"], NoVersions, false), true,
            RequestKind.SubscriptionChange, false, false, [], []),
        new("enter wildcard", Watching("n1", false, "a"), new("n1", ["*"], [], NoVersions, false), true,
            RequestKind.SubscriptionChange, true, true, ["a"], []),
    }.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Delta_Request_DecidesAsTheProtocolSays(Case c)
    {
        var decision = ResponsePolicy.Delta(c.Current, c.Request, c.WildcardType);

        Assert.True(c.Kind == decision.Kind, $"{c.Name}: kind {decision.Kind}, expected {c.Kind}");
        Assert.True(c.Respond == decision.Respond, $"{c.Name}: respond {decision.Respond}, expected {c.Respond}");
        Assert.True(c.Wildcard == decision.State.Wildcard, $"{c.Name}: wildcard {decision.State.Wildcard}, expected {c.Wildcard}");
        Assert.Equal(c.Names.Order(), decision.State.Names.Order());
        Assert.Equal(c.Added.Order(), decision.Added.Order());
    }

    [Fact]
    public void Delta_Unsubscribe_ForgetsTheClientsVersion()
    {
        var decision = ResponsePolicy.Delta(Watching("n1", false, "a", "b"), new("n1", [], ["a"], NoVersions, false), false);

        Assert.False(decision.State.Known.ContainsKey("a"));
        Assert.True(decision.State.Known.ContainsKey("b"));
    }

    [Fact]
    public void Delta_Reconnect_KeepsInitialVersions()
    {
        var decision = ResponsePolicy.Delta(null, new(null, ["a"], [], new Dictionary<string, string> { ["a"] = "v0" }, false), false);

        Assert.Equal("v0", decision.State.Known["a"].Version);
    }
}
