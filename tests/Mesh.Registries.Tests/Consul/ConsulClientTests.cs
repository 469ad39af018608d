using Mesh.Registries.Consul;
using Mesh.Testing.Consul;

namespace Mesh.Registries.Tests.Consul;

/// <summary>The hand-written client against an in-process server with Consul's blocking-query semantics.</summary>
public sealed class ConsulClientTests : IAsyncLifetime
{
    private FakeConsul _consul = null!;

    public async Task InitializeAsync() => _consul = await FakeConsul.StartAsync(null, "dc1", "dc2");

    public async Task DisposeAsync() => await _consul.DisposeAsync();

    private ConsulClient Client(string? token = null) => ConsulTestClients.Client(ConsulTestClients.Options(_consul.Address, token));

    [Fact]
    public async Task CatalogServicesAsync_NoIndex_AnswersAtOnceWithTheIndex()
    {
        _consul.Register(new FakeInstance("web-1", "web", "10.0.0.1", 8080) { Tags = ["v1"] });

        var response = await Client().CatalogServicesAsync(null, ConsulQuery.Now, CancellationToken.None);

        Assert.Equal(["v1"], response.Value["web"]);
        Assert.Equal(_consul.Index, response.Index);
        Assert.Equal("", Assert.Single(_consul.Requests).Query);
    }

    [Fact]
    public async Task CatalogServicesAsync_BlockingQuery_ReturnsWhenAServiceIsRegistered()
    {
        var client = Client();
        var first = await client.CatalogServicesAsync(null, ConsulQuery.Now, CancellationToken.None);

        var blocked = client.CatalogServicesAsync(null, new ConsulQuery(first.Index, TimeSpan.FromSeconds(30)), CancellationToken.None);
        await _consul.WaitBlockedAsync(1);
        Assert.False(blocked.IsCompleted);
        _consul.Register(new FakeInstance("api-1", "api", "10.0.0.2", 9090));
        var second = await blocked.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(second.Index > first.Index);
        Assert.Contains("api", second.Value.Keys);
        Assert.Contains(_consul.Requests, r => r.Query == $"?index={first.Index}&wait=30000ms");
    }

    [Fact]
    public async Task HealthServiceAsync_WaitElapses_ReturnsTheSameIndex()
    {
        _consul.Register(new FakeInstance("web-1", "web", "10.0.0.1", 8080));
        var client = Client();
        var first = await client.HealthServiceAsync("web", null, ConsulQuery.Now, CancellationToken.None);

        var second = await client.HealthServiceAsync("web", null, new ConsulQuery(first.Index, TimeSpan.FromMilliseconds(100)), CancellationToken.None);

        Assert.Equal(first.Index, second.Index);
        var entry = Assert.Single(second.Value);
        Assert.Equal("web-1", entry.Service.ID);
        Assert.Equal("web", entry.Service.Name);
        Assert.Equal(8080, entry.Service.Port);
        Assert.Equal("dc1", entry.Node.Datacenter);
        Assert.Contains(entry.Checks!, c => c.ServiceID == "web-1" && c.Status == "passing");
    }

    [Fact]
    public async Task HealthServiceAsync_OtherServiceChanges_KeepsBlocking()
    {
        _consul.Register(new FakeInstance("web-1", "web", "10.0.0.1", 8080));
        var client = Client();
        var first = await client.HealthServiceAsync("web", null, ConsulQuery.Now, CancellationToken.None);

        var blocked = client.HealthServiceAsync("web", null, new ConsulQuery(first.Index, TimeSpan.FromSeconds(30)), CancellationToken.None);
        await _consul.WaitBlockedAsync(1);
        _consul.Register(new FakeInstance("api-1", "api", "10.0.0.2", 9090));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_consul.Rechecks == 0 && DateTime.UtcNow < deadline) await Task.Delay(5);
        Assert.Equal(1, _consul.Rechecks);
        Assert.False(blocked.IsCompleted);
        _consul.SetStatus("web-1", "critical");
        var second = await blocked.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(Assert.Single(second.Value).Checks!, c => c.Status == "critical");
    }

    [Fact]
    public async Task HealthServiceAsync_Datacenter_SentAsDcAndAnsweredFromIt()
    {
        _consul.Register(new FakeInstance("web-2", "web", "10.0.1.1", 8080), "dc2");

        var response = await Client().HealthServiceAsync("web", "dc2", ConsulQuery.Now, CancellationToken.None);

        Assert.Equal("dc2", Assert.Single(response.Value).Node.Datacenter);
        Assert.Equal("?dc=dc2", Assert.Single(_consul.Requests).Query);
    }

    [Fact]
    public async Task AgentDatacenterAsync_ReturnsTheAgentsOwn()
    {
        Assert.Equal("dc1", await Client().AgentDatacenterAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CatalogServicesAsync_ServerError_ThrowsNamingUrlAndStatus()
    {
        _consul.FailWithStatus = 500;

        var error = await Assert.ThrowsAsync<ConsulException>(() => Client().CatalogServicesAsync("dc1", ConsulQuery.Now, CancellationToken.None));

        Assert.Contains($"GET {_consul.Address}v1/catalog/services?dc=dc1", error.Message, StringComparison.Ordinal);
        Assert.Contains("500", error.Message, StringComparison.Ordinal);
        Assert.Contains("injected failure", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogServicesAsync_Unreachable_ThrowsNamingUrl()
    {
        var address = _consul.Address;
        await _consul.StopAsync();

        var error = await Assert.ThrowsAsync<ConsulException>(() => Client().CatalogServicesAsync(null, ConsulQuery.Now, CancellationToken.None));

        Assert.StartsWith($"GET {address}v1/catalog/services failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthServiceAsync_Token_SentAsConsulTokenHeader()
    {
        await using var secured = await FakeConsul.StartAsync("s3cret");
        secured.Register(new FakeInstance("web-1", "web", "10.0.0.1", 8080));
        var options = ConsulTestClients.Options(secured.Address, "s3cret");

        var response = await ConsulTestClients.Client(options).HealthServiceAsync("web", null, ConsulQuery.Now, CancellationToken.None);

        Assert.Single(response.Value);
        Assert.Equal("s3cret", Assert.Single(secured.Requests).Token);
    }

    [Fact]
    public async Task HealthServiceAsync_NoToken_ThrowsWith403()
    {
        await using var secured = await FakeConsul.StartAsync("s3cret");

        var error = await Assert.ThrowsAsync<ConsulException>(() =>
            ConsulTestClients.Client(ConsulTestClients.Options(secured.Address)).HealthServiceAsync("web", null, ConsulQuery.Now, CancellationToken.None));

        Assert.Contains("403", error.Message, StringComparison.Ordinal);
        Assert.Null(Assert.Single(secured.Requests).Token);
    }
}
