using System.Collections.Immutable;
using Mesh.Grains.Abstractions;
using Mesh.Silo.Xds;

namespace Mesh.Silo.Tests.Xds;

/// <summary>
/// What a stream sent, for config_dump: a proxy that holds exactly its view keeps the view's map
/// (shared by every stream of the scope), and anything else gets a map of its own with the same content.
/// </summary>
public sealed class ConnectionViewTests
{
    private const string Type = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

    private static XdsResource R(string name, string version) => new(Type, name, version, [1, 2, 3]);

    private static ImmutableSortedDictionary<string, XdsResource> View(params XdsResource[] resources) =>
        resources.ToImmutableSortedDictionary(r => r.Name, r => r, StringComparer.Ordinal);

    private static ConnectionView NewView() =>
        new(new ProxyIdentity("p", "p-silo-1", "silo", "default", new Dictionary<string, string>(), "ADS", DateTimeOffset.UnixEpoch));

    [Fact]
    public void Sent_EveryResourceOfTheView_KeepsTheViewsMap()
    {
        var view = View(R("a", "1"), R("b", "1"));
        var connection = NewView();

        connection.Sent(Type, [.. view.Values], [], whole: false, view);

        Assert.Same(view, connection.HeldOf(Type));
    }

    [Fact]
    public void Sent_PushAfterASharedView_AppliesOnTopAndLeavesTheViewAlone()
    {
        var view = View(R("a", "1"), R("b", "1"));
        var connection = NewView();
        connection.Sent(Type, [.. view.Values], [], whole: false, view);
        var next = view.SetItem("b", R("b", "2"));

        connection.Sent(Type, [next["b"]], [], whole: false, next);

        Assert.Equal(["a@1", "b@2"], connection.HeldOf(Type).Values.Select(r => $"{r.Name}@{r.Version}"));
        Assert.Equal("1", view["b"].Version);
    }

    [Fact]
    public async Task Sent_ACopyOfAResource_KeepsItsOwnMapWithWhatWasSent()
    {
        var view = View(R("a", "1"), R("b", "1"));
        var localityCopy = R("b", "1-zone");
        var connection = NewView();

        connection.Sent(Type, [view["a"], localityCopy], [], whole: false, view);

        Assert.NotSame(view, connection.HeldOf(Type));
        var dump = await connection.GetConfigAsync();
        Assert.Contains(dump.Resources, r => ReferenceEquals(r, localityCopy));
    }

    [Fact]
    public void Sent_ProxyStillHoldsANameTheViewLost_KeepsItsOwnMap()
    {
        var connection = NewView();
        connection.Sent(Type, [R("gone", "1")], [], whole: false, View(R("gone", "1"), R("x", "1")));
        var view = View(R("a", "1"));

        connection.Sent(Type, [.. view.Values], [], whole: false, view);

        Assert.Equal(["a", "gone"], connection.HeldOf(Type).Keys);
    }

    [Fact]
    public void Retain_AfterASharedView_RemovesFromACopyOnly()
    {
        var view = View(R("a", "1"), R("b", "1"));
        var connection = NewView();
        connection.Sent(Type, [.. view.Values], [], whole: false, view);

        connection.Retain(Type, name => name == "a");

        Assert.Equal(["a"], connection.HeldOf(Type).Keys);
        Assert.Equal(2, view.Count);
    }

    private static ImmutableSortedDictionary<string, XdsResource> Map(params XdsResource[] resources) =>
        resources.ToImmutableSortedDictionary(r => r.Name, r => r, StringComparer.Ordinal);

    [Fact]
    public void Follows_HeldPreviousViewAndSentTheChange_True()
    {
        var (a, b1, b2, c) = (R("a", "1"), R("b", "1"), R("b", "2"), R("c", "1"));
        var previous = Map(a, b1, c);
        var view = previous.SetItem("b", b2).Remove("c");

        Assert.True(ConnectionView.Follows(previous, previous, view, new HashSet<string> { "b", "c" }, [b2], ["c"]));
    }

    [Fact]
    public void Follows_AnyPreconditionMissing_False()
    {
        var (a, b1, b2) = (R("a", "1"), R("b", "1"), R("b", "2"));
        var previous = Map(a, b1);
        var view = previous.SetItem("b", b2);
        var changed = new HashSet<string> { "b" };

        // Held a copy of the previous view, not the view itself: it may hold something else.
        Assert.False(ConnectionView.Follows(Map(a, b1), previous, view, changed, [b2], []));
        // Sent a locality copy, not the view's resource.
        Assert.False(ConnectionView.Follows(previous, previous, view, changed, [R("b", "2")], []));
        // A changed name it was not sent (it does not subscribe to it).
        Assert.False(ConnectionView.Follows(previous, previous, view, changed, [], []));
        // A name added to the view that it was not sent.
        var grown = view.Add("n", R("n", "1"));
        Assert.False(ConnectionView.Follows(previous, previous, grown, new HashSet<string> { "b", "n" }, [b2], []));
        // Told a name is gone that the view still has.
        Assert.False(ConnectionView.Follows(previous, previous, view, changed, [b2], ["a"]));
    }
}
