using Mesh.Registries.Registry;

namespace Mesh.Silo.Admin;

/// <summary>/debug/registryz: per registry shard, whether its source answers and what it serves, and which silo watches it.</summary>
public static class RegistryzView
{
    public static object From(IEnumerable<IServiceRegistry> registries, string? owner) => registries.Select(r => r.Status).Select(s => new
    {
        registry = s.Shard.Registry,
        cluster = s.Shard.Cluster,
        state = s.State.ToString(),
        lastSync = s.LastSync,
        disconnectedSince = s.DisconnectedSince,
        lastError = s.LastError,
        services = s.Services,
        endpoints = s.Endpoints,
        dropped = s.Dropped,
        owner,
    });
}
