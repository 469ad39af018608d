using Mesh.Registries.Config;
using Mesh.Silo.Metrics;

namespace Mesh.Silo.Hosting;

/// <summary>Counts rejected config documents of every config source into galley_validation_failed, by kind.</summary>
public sealed class ConfigMetricsBinder(ConfigAggregator source, MeshMetrics metrics) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        source.Rejected += OnRejected;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        source.Rejected -= OnRejected;
        return Task.CompletedTask;
    }

    private void OnRejected(IReadOnlyList<Mesh.Api.Yaml.ConfigError> errors)
    {
        foreach (var error in errors) metrics.ValidationErrors.WithLabels(error.Kind ?? "unknown").Inc();
    }
}
