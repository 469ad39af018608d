using Mesh.Registries.Registry;
using Mesh.Silo.Metrics;

namespace Mesh.Silo.Hosting;

/// <summary>Reads every registry's status into the mesh_registry_* gauges when /metrics is scraped.</summary>
public sealed class RegistryMetricsBinder(IEnumerable<IServiceRegistry> registries, MeshMetrics metrics) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.Registry.AddBeforeCollectCallback(Update);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Update()
    {
        foreach (var registry in registries)
        {
            var s = registry.Status;
            string[] labels = [s.Shard.Registry, s.Shard.Cluster];
            metrics.RegistrySynced.WithLabels(labels).Set(s.State == RegistryState.Synced ? 1 : 0);
            metrics.RegistryServices.WithLabels(labels).Set(s.Services);
            metrics.RegistryEndpoints.WithLabels(labels).Set(s.Endpoints);
            metrics.RegistryDropped.WithLabels(labels).Set(s.Dropped);
            if (s.LastSync is { } at) metrics.RegistryLastSync.WithLabels(labels).Set(at.ToUnixTimeMilliseconds() / 1000.0);
        }
    }
}
