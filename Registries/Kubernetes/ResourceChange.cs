namespace Mesh.Registries.Kubernetes;

public enum ResourceChangeKind { Relisted, Upserted, Deleted }

/// <summary>
/// What a <see cref="ResourceWatcher{T}"/> hands its consumer: the whole current set after a
/// (re)list, or one object added, modified or deleted.
/// </summary>
public sealed record ResourceChange<T>(ResourceChangeKind Kind, IReadOnlyList<T> Objects)
{
    public static ResourceChange<T> Relisted(IReadOnlyList<T> all) => new(ResourceChangeKind.Relisted, all);

    public static ResourceChange<T> Upserted(T one) => new(ResourceChangeKind.Upserted, [one]);

    public static ResourceChange<T> Deleted(T one) => new(ResourceChangeKind.Deleted, [one]);
}

/// <summary>A watcher's health, for the registry's status: synced at least once, and failing since when.</summary>
public sealed record WatcherHealth(string Kind, bool Synced, DateTimeOffset? FailingSince, string? LastError, string ResourceVersion)
{
    public bool Failing => FailingSince is not null;
}
