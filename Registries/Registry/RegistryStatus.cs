using Mesh.Api.Model;

namespace Mesh.Registries.Registry;

public enum RegistryState { Starting, Synced, Disconnected }

/// <summary>
/// What a registry tells /debug/registryz and the metrics: whether its source answers, when it
/// last synced, and what it serves. While Disconnected it keeps serving what it last knew.
/// </summary>
public sealed record RegistryStatus(
    ShardKey Shard,
    RegistryState State,
    DateTimeOffset? LastSync,
    DateTimeOffset? DisconnectedSince,
    string? LastError,
    int Services,
    int Endpoints)
{
    public static RegistryStatus Initial(ShardKey shard) => new(shard, RegistryState.Starting, null, null, null, 0, 0);
}
