using Mesh.Api.Retry;
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

    /// <summary>What one stream may cost.</summary>
    public StreamLimits Limits { get; init; } = new();

    /// <summary>Responses written at once on this silo, pushes and answers alike; shared by its streams.</summary>
    public PushThrottle PushThrottle { get; init; } = new(100);

    /// <summary>Whether a flush sends each stream what changed or everything it subscribed to.</summary>
    public PushMode PushMode { get; init; } = PushMode.Incremental;

    /// <summary>
    /// Least time between two sync statuses a stream records to its connection grain. /debug/syncz and
    /// proxy-status ask the running stream itself; the recorded copy is what they show once it cannot be asked.
    /// </summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Subscribed name sets shared by this silo's streams.</summary>
    public SubscriptionSets Subscriptions { get; init; } = new();

    /// <summary>Renews the directory entries of this silo's connections (none in tests that run streams without a silo host).</summary>
    public ConnectionRenewals? Renewals { get; init; }

    /// <summary>New streams a second this silo accepts; null accepts all (protocol tests).</summary>
    public RateBucket? ConnectionRate { get; init; }
}
