using Mesh.Registries.Config;
using Mesh.Registries.Kubernetes;
using Mesh.Silo.Metrics;

namespace Mesh.Silo.Hosting;

/// <summary>
/// Config metrics from the aggregator: rejected documents of every config source into
/// galley_validation_failed (by kind), and after each merge the objects served
/// (pilot_config_objects, by kind) and the objects two sources define (mesh_config_conflicts).
/// </summary>
public sealed class ConfigMetricsBinder(ConfigAggregator source, MeshMetrics metrics) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        source.Rejected += OnRejected;
        source.Merged += OnMerged;
        if (source.Status.Loaded) OnMerged(source.Status);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        source.Rejected -= OnRejected;
        source.Merged -= OnMerged;
        return Task.CompletedTask;
    }

    private void OnRejected(IReadOnlyList<Mesh.Api.Yaml.ConfigError> errors)
    {
        foreach (var error in errors) metrics.ValidationErrors.WithLabels(error.Kind ?? "unknown").Inc();
    }

    private void OnMerged(ConfigStatus status)
    {
        var counts = status.Serving.GroupBy(m => m.Kind).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        // Every kind, zero included: a kind whose last object went away must read 0, not keep its old value.
        // The CRD table lists exactly the kinds the parser reads.
        foreach (var kind in IstioCrdKinds.All.Select(k => k.Kind).Union(counts.Keys)) metrics.ConfigObjects.WithLabels(kind).Set(counts.GetValueOrDefault(kind));
        metrics.ConfigConflicts.Set(status.Conflicts.Count);
    }
}
