using Mesh.Registries.Vm;

namespace Mesh.Registries.Tests.Vm;

public sealed class BootstrapKeyTests
{
    [Fact]
    public void LoadOrCreate_NoKey_CreatesOwnerOnlyKeyThatLaterLoadsReturn()
    {
        var path = BootstrapKey.PathIn(Directory.CreateTempSubdirectory("mesh-key-").FullName);

        var created = BootstrapKey.LoadOrCreate(path);

        Assert.Equal(32, created.Length);
        Assert.Equal(created, BootstrapKey.LoadOrCreate(path));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(path));
    }

    [Fact]
    public void LoadOrCreate_ProvidedKeyFile_IsReadAsItIs()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("mesh-key-").FullName, "secret-key");
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        System.IO.File.WriteAllBytes(path, key);

        Assert.Equal(key, BootstrapKey.LoadOrCreate(path));
    }

    [Fact]
    public void LoadOrCreate_CannotCreate_FailsNamingTheFlag()
    {
        // A regular file where the key's folder would go stands in for a read-only mount (tests may run as root).
        var dir = Directory.CreateTempSubdirectory("mesh-key-").FullName;
        System.IO.File.WriteAllText(Path.Combine(dir, ".mesh"), "not a folder");

        var error = Assert.Throws<InvalidOperationException>(() => BootstrapKey.LoadOrCreate(BootstrapKey.PathIn(dir)));

        Assert.Contains("--bootstrap-key-file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOrCreate_ShortKey_Fails()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("mesh-key-").FullName, "short");
        System.IO.File.WriteAllBytes(path, new byte[16]);

        Assert.Throws<InvalidOperationException>(() => BootstrapKey.LoadOrCreate(path));
    }
}
