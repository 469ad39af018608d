namespace Mesh.Grains.Abstractions;

/// <summary>
/// One auto-registered WorkloadEntry (key: "namespace/name", <see cref="KeyOf"/>): the VM proxies
/// connected for it on any silo, its last reported health, and the grace timer that removes it once
/// none is left. One activation for the whole cluster, so silos agree and the entry has one writer.
/// </summary>
public interface IWorkloadEntryGrain : IGrainWithStringKey
{
    static string KeyOf(string ns, string name) => $"{ns}/{name}";

    /// <summary>How often a stream renews its connection (<see cref="ConnectAsync"/>); the grain expires one silent for much longer.</summary>
    static TimeSpan RenewEvery => TimeSpan.FromSeconds(30);

    /// <summary>A stream registered (or renewed) the entry; writes it when its content changed.</summary>
    Task ConnectAsync(string connectionId, AutoRegisteredWorkload workload);

    /// <summary>A stream ended; with no stream left, the entry is removed after <paramref name="grace"/> unless one reconnects.</summary>
    Task DisconnectAsync(string connectionId, TimeSpan grace);

    /// <summary>The workload's readiness probe result; rewrites the entry's Healthy condition when it changed.</summary>
    Task ReportHealthAsync(WorkloadHealthReport report);

    /// <summary>An entry found on disk at silo start: removed after <paramref name="grace"/> unless its proxy reconnects.</summary>
    Task AdoptAsync(TimeSpan grace);

    Task<WorkloadEntryState> GetStateAsync();
}

/// <summary>What an auto-registered entry is made of: the group's template and labels, the proxy's address.</summary>
[GenerateSerializer, Immutable]
public sealed record AutoRegisteredWorkload(
    [property: Id(0)] string Namespace,
    [property: Id(1)] string Name,
    [property: Id(2)] string Group,
    [property: Id(3)] string Address,
    [property: Id(4)] IReadOnlyDictionary<string, string> Labels,
    [property: Id(5)] IReadOnlyDictionary<string, string> Annotations,
    [property: Id(6)] IReadOnlyDictionary<string, uint> Ports,
    [property: Id(7)] string? Network,
    [property: Id(8)] string? Locality,
    [property: Id(9)] uint? Weight,
    [property: Id(10)] string? ServiceAccount,
    [property: Id(11)] bool HasProbe);

/// <summary>A readiness probe outcome as the VM's proxy reported it.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkloadHealthReport(
    [property: Id(0)] bool Healthy,
    [property: Id(1)] string? Message,
    [property: Id(2)] DateTimeOffset At);

[GenerateSerializer, Immutable]
public sealed record WorkloadEntryState(
    [property: Id(0)] int Connections,
    [property: Id(1)] bool RemovalScheduled,
    [property: Id(2)] WorkloadHealthReport? Health);

/// <summary>Where auto-registered entries live (the config directory); implemented by the registry, used by the grain.</summary>
public interface IAutoRegistrationStore
{
    Task WriteAsync(AutoRegisteredWorkload workload, WorkloadHealthReport? health);

    Task DeleteAsync(string ns, string name);

    /// <summary>The Healthy condition of an entry already on disk (after a restart), or null.</summary>
    Task<WorkloadHealthReport?> ReadHealthAsync(string ns, string name);
}
