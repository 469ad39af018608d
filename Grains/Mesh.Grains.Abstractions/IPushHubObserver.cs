using Mesh.Api.Model;
using Orleans.Concurrency;

namespace Mesh.Grains.Abstractions;

/// <summary>
/// The per-silo push hub, as seen by grains: one observer per silo, so a change crosses the
/// cluster once per silo rather than once per proxy.
/// </summary>
public interface IPushHubObserver : IGrainObserver
{
    [OneWay]
    Task OnServiceChanged(ServiceFragments fragments);

    [OneWay]
    Task OnHostsChanged(IReadOnlyList<string> hosts);

    [OneWay]
    Task OnSidecarsChanged(IReadOnlyList<Sidecar> sidecars);
}
