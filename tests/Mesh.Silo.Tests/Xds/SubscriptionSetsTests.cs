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
}
