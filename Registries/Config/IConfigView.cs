using Mesh.Api.Model;

namespace Mesh.Registries.Config;

/// <summary>
/// The valid config the mesh serves, for the parts of the control plane that read it rather than
/// push it: registries that select workloads for ServiceEntries, VM auto-registration, /debug.
/// </summary>
public interface IConfigView
{
    /// <summary>The config being served; <see cref="MeshConfig.Empty"/> until the first load.</summary>
    MeshConfig Current { get; }

    /// <summary>
    /// The config once it is first loaded, then after each change (latest wins: a slow reader
    /// skips intermediate versions, never the last one).
    /// </summary>
    IAsyncEnumerable<MeshConfig> WatchAsync(CancellationToken cancellationToken);
}
