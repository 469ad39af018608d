using Mesh.Api.Model;
using Mesh.Registries.Consul;
using Mesh.Registries.Registry;
using Mesh.Testing;
using Mesh.Testing.Consul;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Registries.Tests.Consul;

/// <summary>The registry against FakeConsul, reporting into a recording updater.</summary>
public sealed class ConsulRegistryTests : IAsyncLifetime
{
    private const string Web = "web.service.consul";
    private static readonly ShardKey Dc1 = new("Consul", "dc1");
    private readonly RecordingUpdater _updater = new();
    private readonly List<ConsulRegistry> _registries = [];
    private FakeConsul _consul = null!;

    public async Task InitializeAsync() => _consul = await FakeConsul.StartAsync(null, "dc1", "dc2");

    public async Task DisposeAsync()
    {
        foreach (var registry in _registries)
        {
            await registry.StopAsync(CancellationToken.None);
            registry.Dispose();
        }
        await _consul.DisposeAsync();
    }

    private async Task<ConsulRegistry> StartAsync(string? datacenter = "dc1", ConsulOptions? options = null, TimeProvider? time = null)
    {
        options ??= ConsulTestClients.Options(_consul.Address);
        time ??= TimeProvider.System;
        var registry = new ConsulRegistry(ConsulTestClients.Client(options, time), datacenter, options, _updater, time,
            NullLogger<ConsulRegistry>.Instance, new Random(1));
        _registries.Add(registry);
        await registry.StartAsync(CancellationToken.None);
        return registry;
    }

    private static FakeInstance Instance(string id, string address, params string[] tags) => new(id, "web", address, 8080) { Tags = tags };

    private async Task SyncedAsync(ConsulRegistry registry) =>
        await _updater.WaitUntilAsync(() => registry.Status.State == RegistryState.Synced, "registry synced");

    [Fact]
    public async Task Execute_TagsAndMeta_BecomeEndpointLabels()
    {
        _consul.Register(Instance("web-1", "10.0.0.1", "version=v1", "canary") with { Meta = new Dictionary<string, string> { ["team"] = "red" } });

        await StartAsync();

        await _updater.WaitUntilAsync(() => _updater.Endpoints(Dc1, Web).Count == 1, "web's endpoint");
        var endpoint = _updater.Endpoints(Dc1, Web)[0];
        Assert.Equal("v1", endpoint.Labels["version"]);
        Assert.Equal("true", endpoint.Labels["canary"]);
        Assert.Equal("red", endpoint.Labels["team"]);
        Assert.Equal(8080u, Assert.Single(_updater.Service(Dc1, Web)!.Ports).Number);
    }

    [Fact]
    public async Task Execute_InstanceTurnsCritical_LeavesEndpointsAndComesBack()
    {
        _consul.Register(Instance("web-1", "10.0.0.1"));
        _consul.Register(Instance("web-2", "10.0.0.2"));
        var registry = await StartAsync();
        await _updater.WaitUntilAsync(() => _updater.Endpoints(Dc1, Web).Count == 2, "both endpoints");
        await _consul.WaitBlockedAsync(2);

        _consul.SetStatus("web-2", "critical");
        await _updater.WaitUntilAsync(() => _updater.Addresses(Dc1, Web) is ["10.0.0.1"], "web-2 gone");
        _consul.SetStatus("web-2", "passing");
        await _updater.WaitUntilAsync(() => _updater.Endpoints(Dc1, Web).Count == 2, "web-2 back");

        Assert.Equal(RegistryState.Synced, registry.Status.State);
        Assert.Equal(1, registry.Status.Services);
        Assert.Equal(2, registry.Status.Endpoints);
    }

    [Fact]
    public async Task Execute_ServiceAppearsAndLeavesCatalog_PublishedThenWithdrawn()
    {
        var registry = await StartAsync();
        await SyncedAsync(registry);

        _consul.Register(new FakeInstance("api-1", "api", "10.0.0.9", 9090));
        await _updater.WaitUntilAsync(() => _updater.Addresses(Dc1, "api.service.consul") is ["10.0.0.9"], "api published");
        _consul.Deregister("api-1");

        await _updater.WaitUntilAsync(() => _updater.Service(Dc1, "api.service.consul") is null, "api withdrawn");
        Assert.Empty(_updater.Endpoints(Dc1, "api.service.consul"));
    }

    [Fact]
    public async Task Execute_Datacenter_IsTheEndpointsLocalityRegion()
    {
        _consul.Register(Instance("web-1", "10.0.0.1") with { NodeMeta = new Dictionary<string, string> { ["zone"] = "a" } });

        await StartAsync();

        await _updater.WaitUntilAsync(() => _updater.Endpoints(Dc1, Web).Count == 1, "web's endpoint");
        Assert.Equal("dc1/a", _updater.Endpoints(Dc1, Web)[0].Locality);
    }

    [Fact]
    public async Task Execute_TwoDatacenters_TwoShardsForOneHost()
    {
        _consul.Register(Instance("web-1", "10.0.0.1"), "dc1");
        _consul.Register(Instance("web-2", "10.1.0.1"), "dc2");

        var first = await StartAsync("dc1");
        var second = await StartAsync("dc2");

        var dc2 = new ShardKey("Consul", "dc2");
        await _updater.WaitUntilAsync(() => _updater.Endpoints(Dc1, Web).Count == 1 && _updater.Endpoints(dc2, Web).Count == 1, "both shards");
        Assert.Equal("10.0.0.1", _updater.Endpoints(Dc1, Web)[0].Address);
        Assert.Equal("dc1", _updater.Endpoints(Dc1, Web)[0].Locality);
        Assert.Equal("10.1.0.1", _updater.Endpoints(dc2, Web)[0].Address);
        Assert.Equal("dc2", _updater.Endpoints(dc2, Web)[0].Locality);
        Assert.Equal(Dc1, first.Shard);
        Assert.Equal(dc2, second.Shard);
    }

    [Fact]
    public async Task Execute_NoDatacenterNamed_ReadsTheAgentsOwnAsShardLocal()
    {
        _consul.Register(Instance("web-1", "10.0.0.1"));

        var registry = await StartAsync(datacenter: null);

        var local = new ShardKey("Consul", ConsulRegistry.LocalDatacenter);
        Assert.Equal(local, registry.Shard);
        await _updater.WaitUntilAsync(() => _updater.Endpoints(local, Web).Count == 1, "web's endpoint");
        Assert.Equal("dc1", _updater.Endpoints(local, Web)[0].Locality);
        Assert.DoesNotContain(_consul.Requests, r => r.Query.Contains("dc=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Execute_ConsulStops_KeepsEndpointsAndReportsDisconnected()
    {
        _consul.Register(Instance("web-1", "10.0.0.1"));
        var registry = await StartAsync();
        await _updater.WaitUntilAsync(() => _updater.Endpoints(Dc1, Web).Count == 1, "web's endpoint");
        var calls = _updater.Calls.Count;

        await _consul.StopAsync();

        await _updater.WaitUntilAsync(() => registry.Status.State == RegistryState.Disconnected, "disconnected");
        var status = registry.Status;
        Assert.NotNull(status.DisconnectedSince);
        Assert.Contains(_consul.Address.ToString(), status.LastError, StringComparison.Ordinal);
        Assert.Equal(1, status.Services);
        Assert.Equal(1, status.Endpoints);
        Assert.Equal(calls, _updater.Calls.Count);
        Assert.Equal(["10.0.0.1"], _updater.Addresses(Dc1, Web));
    }

    [Fact]
    public async Task Execute_ConsulComesBack_ResyncSendsOnlyWhatChanged()
    {
        _consul.Register(Instance("web-1", "10.0.0.1"));
        _consul.Register(Instance("web-2", "10.0.0.2"));
        _consul.Register(new FakeInstance("api-1", "api", "10.0.0.9", 9090));
        _consul.Register(new FakeInstance("db-1", "db", "10.0.0.7", 5432));
        var registry = await StartAsync();
        await _updater.WaitUntilAsync(() => _updater.Endpoints(Dc1, Web).Count == 2 && _updater.Endpoints(Dc1, "db.service.consul").Count == 1, "all published");
        await _consul.StopAsync();
        await _updater.WaitUntilAsync(() => registry.Status.State == RegistryState.Disconnected, "disconnected");
        var before = _updater.Calls.Count;

        // While Consul is away: web-2 turns critical, db leaves; api does not change.
        _consul.SetStatus("web-2", "critical");
        _consul.Deregister("db-1");
        await _consul.StartAsync();

        await _updater.WaitUntilAsync(() => registry.Status.State == RegistryState.Synced, "synced again");
        Assert.Null(registry.Status.DisconnectedSince);
        Assert.Equal(
            ["endpoints Consul/dc1 db.service.consul []", "endpoints Consul/dc1 web.service.consul [10.0.0.1]", "service Consul/dc1 db.service.consul withdrawn"],
            _updater.Calls.Skip(before).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Execute_ConsulFailing_DisconnectedWithUrlAndStatus()
    {
        _consul.Register(Instance("web-1", "10.0.0.1"));
        var registry = await StartAsync();
        await _updater.WaitUntilAsync(() => _updater.Endpoints(Dc1, Web).Count == 1, "web's endpoint");
        await _consul.WaitBlockedAsync(2);

        _consul.FailWithStatus = 503;
        // The catalog read already under way answers with api; the read of api's health then fails.
        _consul.Register(new FakeInstance("api-1", "api", "10.0.0.9", 9090));

        await _updater.WaitUntilAsync(() => registry.Status.State == RegistryState.Disconnected, "disconnected");
        // The health read fails first; the listings retried after it fail on the catalog: either names its URL.
        Assert.StartsWith($"GET {_consul.Address}v1/", registry.Status.LastError, StringComparison.Ordinal);
        Assert.Contains(" answered 503 ", registry.Status.LastError, StringComparison.Ordinal);
        Assert.Equal(["10.0.0.1"], _updater.Addresses(Dc1, Web));
        Assert.Null(_updater.Service(Dc1, "api.service.consul"));
    }

    [Fact]
    public async Task Execute_ConsulFailing_RetriesAfterDoublingJitteredPauses()
    {
        _consul.FailWithStatus = 500;
        var time = new PendingTimersTimeProvider(DateTimeOffset.UtcNow);
        var options = ConsulTestClients.Options(_consul.Address) with { RetryMin = TimeSpan.FromSeconds(1), RetryMax = TimeSpan.FromSeconds(4) };
        var registry = await StartAsync(options: options, time: time);
        await _updater.WaitUntilAsync(() => registry.Status.State == RegistryState.Disconnected, "disconnected");

        // Pauses lie in [0.5, 1], [1, 2], [2, 4] s: by 1 s the second listing, by 3 s the third, the fourth not before 3.5 s.
        // Time moves only once the registry waits on its pause (a request's own timeout is far longer than any pause).
        await _updater.WaitUntilAsync(() => time.Pending.Any(t => t <= options.RetryMax), "the first pause");
        time.Advance(TimeSpan.FromSeconds(1));
        await _updater.WaitUntilAsync(() => _consul.Requests.Count == 2, "the second listing");
        await _updater.WaitUntilAsync(() => time.Pending.Any(t => t <= options.RetryMax), "the second pause");
        time.Advance(TimeSpan.FromSeconds(2));
        await _updater.WaitUntilAsync(() => _consul.Requests.Count == 3, "the third listing");

        Assert.Equal(3, _consul.Requests.Count);
        Assert.Contains(" answered 500 ", registry.Status.LastError, StringComparison.Ordinal);
        Assert.Equal(time.GetUtcNow() - TimeSpan.FromSeconds(3), registry.Status.DisconnectedSince);
    }
}
