using Mesh.Grains.Abstractions;
using Mesh.Silo.Admin;

namespace Mesh.Silo.Tests.Admin;

public sealed class ConnectionChoiceTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ProxyConnection C(string proxy, string silo, int n, int secondsAfter) =>
        new($"{proxy}-{silo}-{n}", proxy, silo, T0.AddSeconds(secondsAfter));

    [Fact]
    public void For_ConnectionId_ThatConnectionWithoutANote()
    {
        var older = C("p", "silo-1", 1, 0);
        var newer = C("p", "silo-2", 1, 5);

        var choice = ConnectionChoice.For(older.ConnectionId, [older, newer]);

        Assert.Equal(older, choice.Connection);
        Assert.Null(choice.Note);
    }

    [Fact]
    public void For_ProxyIdOfOneConnection_ThatConnectionWithoutANote()
    {
        var only = C("p", "silo-1", 3, 0);

        var choice = ConnectionChoice.For("p", [only]);

        Assert.Equal(only, choice.Connection);
        Assert.Null(choice.Note);
    }

    [Fact]
    public void For_ProxyIdOfSeveralConnections_NewestWithANoteNamingTheOthers()
    {
        var a = C("p", "silo-1", 1, 0);
        var b = C("p", "silo-2", 7, 9);
        var c = C("p", "silo-1", 2, 3);

        var choice = ConnectionChoice.For("p", [a, b, c]);

        Assert.Equal(b, choice.Connection);
        Assert.NotNull(choice.Note);
        Assert.Contains("3 connections", choice.Note, StringComparison.Ordinal);
        Assert.Contains(a.ConnectionId, choice.Note, StringComparison.Ordinal);
        Assert.Contains(c.ConnectionId, choice.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void For_UnknownId_NoConnection()
    {
        var choice = ConnectionChoice.For("nobody", [C("p", "silo-1", 1, 0)]);

        Assert.Null(choice.Connection);
    }
}
