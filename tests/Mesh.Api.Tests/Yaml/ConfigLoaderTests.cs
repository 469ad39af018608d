using Mesh.Api.Yaml;

namespace Mesh.Api.Tests.Yaml;

public sealed class ConfigLoaderTests : IDisposable
{
    private const string Vs = "hosts: [r]\nhttp:\n- route:\n  - destination: {host: r}";

    private readonly string _root = Directory.CreateTempSubdirectory("mesh-config-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void LoadPath_Directory_ReadsYamlRecursivelySortedByPath()
    {
        Write("b.yaml", ConfigYaml.Doc("VirtualService", Vs, "b"));
        Write("a.yml", ConfigYaml.Doc("VirtualService", Vs, "a"));
        Write("sub/c.YAML", ConfigYaml.Doc("VirtualService", Vs, "c"));
        Write("notes.txt", "not: config");
        Write("..data/hidden.yaml", ConfigYaml.Doc("VirtualService", Vs, "hidden"));
        Write(".swap.yaml", "garbage: [");

        var files = ConfigLoader.LoadPath(_root);

        Assert.Equal(["a.yml", "b.yaml", Path.Combine("sub", "c.YAML")], files.Select(f => Path.GetRelativePath(_root, f.Path)));
        Assert.Equal(["a", "b", "c"], files.SelectMany(f => f.Objects).Select(o => o.Meta.Name));
        Assert.Equal(files[0].Path, files[0].Objects[0].Meta.Origin!.File);
    }

    [Fact]
    public void LoadPath_SymlinkBackUpTheTree_VisitsEachDirectoryOnce()
    {
        Write("a/x.yaml", ConfigYaml.Doc("VirtualService", Vs, "x"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "a", "loop"), _root);
        Directory.CreateSymbolicLink(Path.Combine(_root, "dangling"), Path.Combine(_root, "gone"));

        var files = ConfigLoader.LoadPath(_root);

        Assert.Equal([Path.Combine("a", "x.yaml")], files.Select(f => Path.GetRelativePath(_root, f.Path)));
    }

    [Fact]
    public void LoadPath_File_ReadsJustThatFileAndKeepsErrors()
    {
        var path = Write("one.yaml", ConfigYaml.Doc("VirtualService", Vs + "\nbogus: 1", "one"));

        var file = Assert.Single(ConfigLoader.LoadPath(path));

        Assert.Equal(path, file.Path);
        Assert.Equal("spec.bogus", Assert.Single(file.Errors).FieldPath);
        Assert.Equal(path, file.Errors[0].File);
    }

    [Fact]
    public void LoadPath_Missing_Throws() =>
        Assert.Throws<FileNotFoundException>(() => ConfigLoader.LoadPath(Path.Combine(_root, "nope")));

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
