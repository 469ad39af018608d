using System.Collections.Concurrent;
using Mesh.Api.Model;
using Mesh.Registries.Updates;

namespace Mesh.Registries.Tests.Consul;

/// <summary>An IMeshUpdater that records every call and keeps the latest state per shard and host.</summary>
internal sealed class RecordingUpdater : IMeshUpdater
{
    private readonly ConcurrentDictionary<(ShardKey, string), IReadOnlyList<MeshEndpoint>> _endpoints = new();
    private readonly ConcurrentDictionary<(ShardKey, string), MeshService> _services = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    public Task ServiceChangedAsync(ShardKey shard, string host, MeshService? service)
    {
        Calls.Enqueue($"service {shard} {host} {(service is null ? "withdrawn" : "set")}");
        if (service is null) _services.TryRemove((shard, host), out _);
        else _services[(shard, host)] = service;
        return Task.CompletedTask;
    }

    public Task EndpointsChangedAsync(ShardKey shard, string host, IReadOnlyList<MeshEndpoint> endpoints)
    {
        Calls.Enqueue($"endpoints {shard} {host} [{string.Join(",", endpoints.Select(e => e.Address))}]");
        _endpoints[(shard, host)] = endpoints;
        return Task.CompletedTask;
    }

    public Task ConfigChangedAsync(MeshConfig config) => Task.CompletedTask;

    public MeshService? Service(ShardKey shard, string host) => _services.GetValueOrDefault((shard, host));

    public IReadOnlyList<MeshEndpoint> Endpoints(ShardKey shard, string host) => _endpoints.GetValueOrDefault((shard, host)) ?? [];

    public IReadOnlyList<string> Addresses(ShardKey shard, string host) => [.. Endpoints(shard, host).Select(e => e.Address).Order(StringComparer.Ordinal)];

    /// <summary>Polls a condition with a deadline; fails the test with what was recorded when it never holds.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within 10 s: {what}; calls: {string.Join(" | ", Calls)}");
            await Task.Delay(5);
        }
    }
}
