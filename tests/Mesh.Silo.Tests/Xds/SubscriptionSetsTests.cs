using System.Collections.Immutable;
using Mesh.Silo.Xds;

namespace Mesh.Silo.Tests.Xds;

/// <summary>Streams subscribing to the same names hold one set between them.</summary>
public sealed class SubscriptionSetsTests
{
    private static ImmutableHashSet<string> Set(params string[] names) =>
        // New string instances, as each request's parser makes them.
        names.Select(n => new string(n.AsSpan())).ToImmutableHashSet(StringComparer.Ordinal);

    [Fact]
    public void Share_EqualSetFromAnotherStream_ReturnsTheFirst()
    {
        var sets = new SubscriptionSets();
        var first = sets.Share(Set("a", "b", "c"));

        var second = sets.Share(Set("c", "b", "a"));

        Assert.Same(first, second);
    }

    [Fact]
    public void Share_DifferentSet_KeepsItsOwn()
    {
        var sets = new SubscriptionSets();
        var first = sets.Share(Set("a", "b"));
        var other = Set("a", "c");

        var shared = sets.Share(other);

        Assert.Same(other, shared);
        Assert.NotSame(first, shared);
    }

    [Fact]
    public void Share_EmptySet_ReturnsIt()
    {
        var empty = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);

        Assert.Same(empty, new SubscriptionSets().Share(empty));
    }

    [Fact]
    public void Sorted_SameSetTwice_OneOrdinalArray()
    {
        var sets = new SubscriptionSets();
        var shared = sets.Share(Set("b", "a", "B", "c"));

        var first = sets.Sorted(shared);
        var again = sets.Sorted(shared);

        Assert.Equal(["B", "a", "b", "c"], first);
        Assert.Same(first, again);
    }

    [Fact]
    public void Sorted_EqualButDifferentSets_EachItsOwnOrder()
    {
        // Keyed by the set instance (a shared set is one instance), never by content: unequal sets cannot collide.
        var sets = new SubscriptionSets();

        var one = sets.Sorted(Set("x", "y"));
        var other = sets.Sorted(Set("y", "z"));

        Assert.Equal(["x", "y"], one);
        Assert.Equal(["y", "z"], other);
    }

    [Fact]
    public void Lookup_SameSetTwice_OneSetOfExactlyItsNames()
    {
        var sets = new SubscriptionSets();
        var shared = sets.Share(Set("a", "b"));

        var first = sets.Lookup(shared);
        var again = sets.Lookup(shared);

        Assert.Same(first, again);
        Assert.True(first.SetEquals(["a", "b"]));
        Assert.False(first.Contains("A"));
    }
}
