using Mesh.Registries.File;

namespace Mesh.Registries.Tests.File;

public sealed class FileConfigStoreTests
{
    private static string Entry(string name, uint port) => EntryYaml.Entry(name, port);

    [Fact]
    public void Apply_InvalidNewVersion_KeepsServingTheLastGoodObject()
    {
        var store = new FileConfigStore();
        store.Apply("a.yaml", Entry("shop", 80));

        var errors = store.Apply("a.yaml", Entry("shop", 70000));

        var error = Assert.Single(errors);
        Assert.Equal("spec.ports[0].number", error.FieldPath);
        var served = Assert.Single(store.Snapshot().ServiceEntries);
        Assert.Equal(80u, served.Spec.Ports.Single().Number);
    }

    [Fact]
    public void Apply_OneBadDocument_OtherDocumentsOfTheFileAreServed()
    {
        var store = new FileConfigStore();

        store.Apply("a.yaml", Entry("shop", 80) + "\n---\n" + Entry("cart", 70000));

        Assert.Equal(["shop"], store.Snapshot().ServiceEntries.Select(e => e.Meta.Name));
        Assert.Single(store.Errors);
    }

    [Fact]
    public void Apply_NotYamlAtAll_KeepsEverythingTheFileServed()
    {
        var store = new FileConfigStore();
        store.Apply("a.yaml", Entry("shop", 80) + "\n---\n" + Entry("cart", 81));

        var errors = store.Apply("a.yaml", "kind: [unclosed");

        Assert.NotEmpty(errors);
        Assert.Equal(["cart", "shop"], store.Snapshot().ServiceEntries.Select(e => e.Meta.Name).Order());
    }

    [Fact]
    public void Apply_FixedAfterError_ClearsTheError()
    {
        var store = new FileConfigStore();
        store.Apply("a.yaml", Entry("shop", 70000));

        store.Apply("a.yaml", Entry("shop", 8080));

        Assert.Empty(store.Errors);
        Assert.Equal(8080u, store.Snapshot().ServiceEntries.Single().Spec.Ports.Single().Number);
    }

    [Fact]
    public void Remove_File_DropsItsObjects()
    {
        var store = new FileConfigStore();
        store.Apply("a.yaml", Entry("shop", 80));
        store.Apply("b.yaml", Entry("cart", 81));

        store.Remove("a.yaml");

        Assert.Equal(["cart"], store.Snapshot().ServiceEntries.Select(e => e.Meta.Name));
    }

    [Fact]
    public void Snapshot_SameObjectInTwoFiles_FirstFileByPathWins()
    {
        var store = new FileConfigStore();
        store.Apply("b.yaml", Entry("shop", 81));
        store.Apply("a.yaml", Entry("shop", 80));

        Assert.Equal(80u, store.Snapshot().ServiceEntries.Single().Spec.Ports.Single().Number);
    }
}
