using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Registries.Config;

/// <summary>
/// What one config source hands the <see cref="ConfigAggregator"/>: every object it currently
/// serves (the last good version of any it had to reject since) and the errors of what it rejected.
/// Always the whole state, never a delta, so the aggregator needs no memory of how it got there.
/// </summary>
public sealed record ConfigSourceState(IReadOnlyList<ConfigObject> Objects, IReadOnlyList<ConfigError> Rejected)
{
    public static ConfigSourceState Empty { get; } = new([], []);
}

/// <summary>
/// A config source the aggregator waits for, in merge order. <paramref name="SyncWait"/>: how long
/// the first publish waits for it; null waits for it however long it takes (the YAML directory,
/// which is always readable), a time lets the mesh start without a source that cannot be reached
/// (a Kubernetes API server that is down) and take its objects in once it reports.
/// </summary>
public sealed record ConfigSourceSpec(string Name, TimeSpan? SyncWait = null);
