using Mesh.Silo.Metrics;
using Mesh.Silo.Push;
using Microsoft.Extensions.Logging;

namespace Mesh.Silo.Xds;

/// <summary>What every xDS stream on this silo shares: the hub, grains, clock, metrics, and this silo's name.</summary>
public sealed record XdsStreamContext(
    PushHub Hub,
    IGrainFactory Grains,
    TimeProvider Time,
    MeshMetrics Metrics,
    ILoggerFactory Loggers,
    string SiloName,
    CancellationToken Stopping = default)
{
    /// <summary>VM auto-registration; null where no silo wiring supplies it (protocol tests).</summary>
    public Vm.AutoRegistration? AutoRegistration { get; init; }

    /// <summary>Numbers this silo's streams for their connection ids; a copy of the context (with) shares it.</summary>
    public ConnectionCounter Connections { get; init; } = new();
}
