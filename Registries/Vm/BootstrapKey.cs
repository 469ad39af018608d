using System.Security.Cryptography;

namespace Mesh.Registries.Vm;

/// <summary>
/// The mesh's bootstrap-token key, 32 random bytes in &lt;config-dir&gt;/.mesh/bootstrap.key: created
/// owner-only (0600) by the first silo to start, read by the others sharing the directory. The dot
/// folder keeps it out of the config source. Where the directory is read-only (a ConfigMap), the
/// key is a file the operator provides (--bootstrap-key-file, a mounted Secret).
/// </summary>
public static class BootstrapKey
{
    public static string PathIn(string configDir) => Path.Combine(configDir, ".mesh", "bootstrap.key");

    public static byte[] LoadOrCreate(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            try { Create(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException(
                    $"cannot create the bootstrap key {path} ({e.Message}); on a read-only config directory, " +
                    "pass --bootstrap-key-file with a key of 32 random bytes (a mounted Secret)", e);
            }
        }
        var bytes = System.IO.File.ReadAllBytes(path);
        if (bytes.Length < 32) throw new InvalidOperationException($"bootstrap key {path} is shorter than 32 bytes");
        return bytes;
    }

    private static void Create(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written whole under a temporary name, then moved: a silo starting alongside never reads half a key.
        var key = RandomNumberGenerator.GetBytes(32);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temp, options)) file.Write(key);
        try
        {
            System.IO.File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (System.IO.File.Exists(path))
        {
            // Another silo created it first: use theirs.
            System.IO.File.Delete(temp);
        }
    }
}
