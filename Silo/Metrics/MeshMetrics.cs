using Prometheus;

namespace Mesh.Silo.Metrics;

/// <summary>
/// The control plane's Prometheus metrics, under Istio's names where Istio has one, so existing
/// dashboards and alerts carry over. One registry per silo (no process-wide static state).
/// </summary>
public sealed class MeshMetrics
{
    public MeshMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        // process_* and dotnet_* series (memory, CPU, GC), as every Prometheus target exports.
        DotNetStats.Register(registry);
        ConnectedProxies = factory.CreateGauge("pilot_xds", "Number of proxies connected to this silo's xDS server.", "version");
        Pushes = factory.CreateCounter("pilot_xds_pushes", "xDS responses sent, by type.", "type");
        PushErrors = factory.CreateCounter("pilot_xds_push_errors", "xDS responses that failed to send, by type.", "type");
        Rejects = factory.CreateCounter("pilot_total_xds_rejects", "NACKs received from proxies, by type.", "type");
        StreamsLimited = factory.CreateCounter("mesh_xds_streams_limited",
            "xDS streams refused or ended by a limit: connection_rate, names, first_request, write_timeout.", "limit");
        Convergence = factory.CreateHistogram("pilot_proxy_convergence_time",
            "Seconds from a config or endpoint change to the proxy's ACK of it.",
            new HistogramConfiguration { Buckets = [0.01, 0.05, 0.1, 0.2, 0.5, 1, 3, 5, 10, 20, 30] });
        ValidationErrors = factory.CreateCounter("galley_validation_failed", "Config documents rejected by validation.", "kind");
        RegistrySynced = factory.CreateGauge("mesh_registry_synced", "1 while a registry's source answers and its state is synced; 0 while it serves its last known state.", "registry", "cluster");
        RegistryServices = factory.CreateGauge("mesh_registry_services", "Hosts a registry serves.", "registry", "cluster");
        RegistryEndpoints = factory.CreateGauge("mesh_registry_endpoints", "Endpoints a registry serves.", "registry", "cluster");
        RegistryDropped = factory.CreateGauge("mesh_registry_dropped_objects",
            "Objects a registry reported that proxies would reject (a port out of range, an endpoint address the service cannot use), left out of what it serves.",
            "registry", "cluster");
        RegistryLastSync = factory.CreateGauge("mesh_registry_last_sync_timestamp_seconds", "When a registry last synced with its source (Unix seconds).", "registry", "cluster");
        ConfigObjects = factory.CreateGauge("pilot_config_objects", "Valid config objects being served, by kind.", "kind");
        ConfigConflicts = factory.CreateGauge("mesh_config_conflicts", "Config objects defined by two config sources (the first source's is served).");
    }

    public CollectorRegistry Registry { get; }
    public Gauge ConnectedProxies { get; }
    public Counter Pushes { get; }
    public Counter PushErrors { get; }
    public Counter Rejects { get; }
    public Counter StreamsLimited { get; }
    public Histogram Convergence { get; }
    public Counter ValidationErrors { get; }
    public Gauge ConfigObjects { get; }
    public Gauge ConfigConflicts { get; }
    public Gauge RegistrySynced { get; }
    public Gauge RegistryServices { get; }
    public Gauge RegistryEndpoints { get; }
    public Gauge RegistryDropped { get; }
    public Gauge RegistryLastSync { get; }
}
