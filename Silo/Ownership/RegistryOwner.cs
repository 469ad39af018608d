using System.Text.Json;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Registries.Config;
using Mesh.Registries.Registry;
using Mesh.Registries.Updates;

namespace Mesh.Silo.Ownership;

/// <summary>
/// This silo as the registry owner, reachable from every grain and silo: it answers from what its
/// registries published (<see cref="PublishedState"/>). Before its registries have synced it does
/// not claim a host is gone: a host it has no word on yet is "unknown" (null), and the asker waits.
/// </summary>
public sealed class RegistryOwner(
    PublishedState published,
    ConfigAggregator config,
    IEnumerable<IServiceRegistry> registries,
    IServiceProvider services,
    TimeProvider time) : IRegistryOwner
{
    /// <summary>A registry whose source never answers does not hold the others' hosts back longer than this.</summary>
    public static readonly TimeSpan SyncWait = TimeSpan.FromSeconds(30);

    private DateTimeOffset? _started;
    private string? _name;

    public PublishedState Published => published;

    public void Started(string name, DateTimeOffset at)
    {
        _name = name;
        _started = at;
    }

    /// <summary>Every registry listed its source once (or waited <see cref="SyncWait"/>).</summary>
    public bool Synced =>
        _started is { } started && config.Status.Loaded
        && (registries.All(r => r.Status.State != RegistryState.Starting) || time.GetUtcNow() - started > SyncWait);

    public Task<HostState?> GetHostStateAsync(string host) =>
        Task.FromResult(_started is null ? null : published.Knows(host) || Synced ? published.StateOf(host) : null);

    /// <summary>
    /// Answered as soon as the registries run, even before they synced: the index only adds what it
    /// is told here, and <see cref="RegistryOwnership"/> adds whatever is still missing once they synced.
    /// </summary>
    public Task<IReadOnlyList<string>?> GetHostsAsync() => Task.FromResult(_started is null ? null : published.PresentHosts());

    public Task<IReadOnlyList<Sidecar>?> GetSidecarsAsync() => Task.FromResult(Synced ? published.Sidecars : null);

    public Task<bool> IsReadyAsync() => Task.FromResult(_started is not null && config.Status.Loaded);

    public Task<string> GetDebugAsync(string page) => Task.FromResult(page switch
    {
        "configz" => JsonSerializer.Serialize(Admin.ConfigzView.From(config.Status, services.GetServices<Registries.Kubernetes.CrdConfigSource>()), JsonSerializerOptions.Web),
        "registryz" => JsonSerializer.Serialize(Admin.RegistryzView.From(registries, _name), JsonSerializerOptions.Web),
        _ => "{}",
    });
}
