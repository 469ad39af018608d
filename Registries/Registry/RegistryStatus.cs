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
    /// <summary>Objects the registry reported that proxies would reject, left out of what it serves (<see cref="Updates.RegistryObjectFilter"/>).</summary>
    public int Dropped { get; init; }

    public static RegistryStatus Initial(ShardKey shard) => new(shard, RegistryState.Starting, null, null, null, 0, 0);
}
