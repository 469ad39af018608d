using System.Collections.Concurrent;
using Mesh.Api.Model;
using Mesh.Registries.Updates;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>An IMeshUpdater that keeps every call and the latest state per host, for assertions.</summary>
public sealed class RecordingUpdater : IMeshUpdater
{
    private readonly Lock _gate = new();
    private readonly List<(string Kind, string Host)> _calls = [];
    private readonly Dictionary<string, MeshService> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<MeshEndpoint>> _endpoints = new(StringComparer.Ordinal);

    private readonly List<MeshConfig> _configs = [];

    public IReadOnlyList<(string Kind, string Host)> Calls { get { lock (_gate) return [.. _calls]; } }

    /// <summary>Every config pushed, in order.</summary>
    public IReadOnlyList<MeshConfig> Configs { get { lock (_gate) return [.. _configs]; } }

    public MeshService? Service(string host) { lock (_gate) return _services.GetValueOrDefault(host); }

    public IReadOnlyList<MeshEndpoint> Endpoints(string host) { lock (_gate) return _endpoints.GetValueOrDefault(host) ?? []; }

    public Task ServiceChangedAsync(ShardKey shard, string host, MeshService? service)
    {
        lock (_gate)
        {
            _calls.Add(("service", host));
            if (service is null) _services.Remove(host);
            else _services[host] = service;
        }
        return Task.CompletedTask;
    }

    public Task EndpointsChangedAsync(ShardKey shard, string host, IReadOnlyList<MeshEndpoint> endpoints)
    {
        lock (_gate)
        {
            _calls.Add(("endpoints", host));
            _endpoints[host] = endpoints;
        }
        return Task.CompletedTask;
    }

    public Task ConfigChangedAsync(MeshConfig config)
    {
        lock (_gate) _configs.Add(config);
        return Task.CompletedTask;
    }
}
