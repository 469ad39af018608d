using Mesh.Testing;

namespace Mesh.Cluster.Tests.Infrastructure;

/// <summary>
/// Silo processes sharing one config directory and one membership table, as a user runs them on one
/// machine: `--clustering redis --redis HOST:PORT` and distinct ports per silo.
/// </summary>
public sealed class MeshCluster : IAsyncDisposable
{
    private MeshCluster(string configDir, IReadOnlyList<SiloNode> silos)
    {
        ConfigDir = configDir;
        Silos = silos;
    }

    public string ConfigDir { get; }

    public IReadOnlyList<SiloNode> Silos { get; }

    public int[] XdsPorts => [.. Silos.Select(s => s.XdsPort)];

    /// <summary>Starts the silos one after the other (the first takes the registries), each ready before the next.</summary>
    public static async Task<MeshCluster> StartAsync(int count, IEnumerable<string> clusteringArgs, Action<string> writeConfig)
    {
        var dir = Directory.CreateTempSubdirectory("mesh-cluster-").FullName;
        writeConfig(dir);
        var args = clusteringArgs.Concat(["--cluster-id", $"cluster-{Guid.NewGuid():N}"]).ToList();
        // One draw for every silo: separate draws could hand two silos the same port, since none is bound until its silo starts.
        var ports = FreePorts.Take(SiloNode.PortCount * count);
        var silos = Enumerable.Range(0, count).Select(i => new SiloNode($"silo-{i}", dir, args, ports.AsSpan(i * SiloNode.PortCount, SiloNode.PortCount).ToArray())).ToList();
        var cluster = new MeshCluster(dir, silos);
        try
        {
            foreach (var silo in silos)
            {
                silo.Start();
                await silo.WaitReadyAsync();
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public string Output() => string.Join("\n", Silos.Select(s => s.Output()));

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Silos) await silo.DisposeAsync();
        try { Directory.Delete(ConfigDir, recursive: true); } catch (IOException) { }
    }
}
