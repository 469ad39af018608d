using System.Diagnostics;
using System.Text.Json;
using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Registries.Consul;
using Mesh.Testing;
using Mesh.Testing.Consul;
using Xunit.Abstractions;

namespace Mesh.Silo.Tests.Hosting;

/// <summary>
/// A real silo with --consul-address pointing at FakeConsul (no Consul server can be installed here),
/// watched through a real ADS client: health flips reach EDS, an outage changes nothing served, and the
/// return sends exactly what changed meanwhile.
/// </summary>
public sealed class ConsulRegistryEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Cluster = "outbound|8080||web.service.consul";
    private FakeConsul _consul = null!;
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        _consul = await FakeConsul.StartAsync(null, "dc1");
        _consul.Register(Web("web-1", "10.0.0.1"));
        _consul.Register(Web("web-2", "10.0.0.2"));
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null) await _silo.DisposeAsync();
        await _consul.DisposeAsync();
    }

    private static FakeInstance Web(string id, string address) =>
        new(id, "web", address, 8080) { Meta = new Dictionary<string, string> { ["protocol"] = "grpc" }, Tags = ["version=v1"] };

    private async Task StartSiloAsync(string? configDir = null) =>
        _silo = await SiloFixture.StartAsync(configDir, consul: new ConsulOptions(_consul.Address, ["dc1"], null)
        {
            Wait = TimeSpan.FromSeconds(30),
            RetryMin = TimeSpan.FromMilliseconds(20),
            RetryMax = TimeSpan.FromMilliseconds(200),
            QueryInterval = TimeSpan.FromMilliseconds(10),
        });

    private static List<string> Addresses(DiscoveryResponse response) =>
        [.. response.Resources.Select(r => r.Unpack<ClusterLoadAssignment>())
            .SelectMany(c => c.Endpoints).SelectMany(l => l.LbEndpoints)
            .Select(e => e.Endpoint.Address.SocketAddress.Address).Order(StringComparer.Ordinal)];

    private static async Task<DiscoveryResponse> SubscribeAsync(AdsClient client, params string[] addresses)
    {
        await client.SendAsync(ResourceTypes.ClusterLoadAssignment, [Cluster]);
        var response = await client.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment,
            r => Addresses(r).SequenceEqual(addresses), $"{Cluster} with {string.Join(", ", addresses)}");
        await client.AckAsync(response, [Cluster]);
        return response;
    }

    private async Task<JsonElement> ConsulStatusAsync(string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using var doc = JsonDocument.Parse(await _silo.Http.GetStringAsync("/debug/registryz"));
            var consul = doc.RootElement.EnumerateArray().Single(r => r.GetProperty("registry").GetString() == "Consul");
            if (consul.GetProperty("state").GetString() == state) return consul.Clone();
            if (DateTime.UtcNow > deadline) Assert.Fail($"/debug/registryz never said {state}: {consul}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task ConsulInstance_TurnsCritical_LeavesEds()
    {
        await StartSiloAsync();
        await using var client = new AdsClient(_silo.Options.XdsPort, "consul-critical");
        var first = await SubscribeAsync(client, "10.0.0.1", "10.0.0.2");
        var endpoint = first.Resources[0].Unpack<ClusterLoadAssignment>().Endpoints[0];
        Assert.Equal("dc1", endpoint.Locality.Region);
        await _consul.WaitBlockedAsync(2);

        var clock = Stopwatch.StartNew();
        _consul.SetStatus("web-2", "critical");
        var next = await client.NextAsync("the assignment without web-2");
        clock.Stop();

        Assert.Equal(["10.0.0.1"], Addresses(next));
        output.WriteLine($"Consul check critical -> EDS without the instance: {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task ConsulOutage_EndpointsKeptDisconnectedShown_ReturnSendsOnlyTheChange()
    {
        await StartSiloAsync();
        await using var client = new AdsClient(_silo.Options.XdsPort, "consul-outage");
        await SubscribeAsync(client, "10.0.0.1", "10.0.0.2");

        await _consul.StopAsync();
        var down = await ConsulStatusAsync("Disconnected");
        Assert.Contains("127.0.0.1", down.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(JsonValueKind.Null, down.GetProperty("disconnectedSince").ValueKind);
        Assert.Equal(2, down.GetProperty("endpoints").GetInt32());
        Assert.Contains("mesh_registry_synced{registry=\"Consul\",cluster=\"dc1\"} 0", await _silo.Http.GetStringAsync("/metrics"), StringComparison.Ordinal);
        // A proxy connecting during the outage is still served what Consul last said.
        await using (var late = new AdsClient(_silo.Options.XdsPort, "consul-outage-late"))
            await SubscribeAsync(late, "10.0.0.1", "10.0.0.2");

        _consul.SetStatus("web-2", "critical");
        await _consul.StartAsync();
        var up = await ConsulStatusAsync("Synced");

        // The very next push is the one change: nothing withdrawn and re-added on the way.
        var next = await client.NextAsync("the change made during the outage");
        Assert.Equal(ResourceTypes.ClusterLoadAssignment, next.TypeUrl);
        Assert.Equal(["10.0.0.1"], Addresses(next));
        Assert.Equal(JsonValueKind.Null, up.GetProperty("disconnectedSince").ValueKind);
    }

    [Fact]
    public async Task ConsulAndServiceEntry_SameHost_BothShardsInEds()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-consul-se-").FullName;
        File.WriteAllText(Path.Combine(dir, "web.yaml"), SampleConfig.ServiceEntry("web.service.consul", 8080, ("10.1.1.1", 9001, "v1")));
        await StartSiloAsync(dir);
        await using var client = new AdsClient(_silo.Options.XdsPort, "consul-and-file");

        var response = await SubscribeAsync(client, "10.0.0.1", "10.0.0.2", "10.1.1.1");

        var ports = response.Resources[0].Unpack<ClusterLoadAssignment>().Endpoints.SelectMany(l => l.LbEndpoints)
            .ToDictionary(e => e.Endpoint.Address.SocketAddress.Address, e => e.Endpoint.Address.SocketAddress.PortValue);
        Assert.Equal(8080u, ports["10.0.0.1"]);
        Assert.Equal(9001u, ports["10.1.1.1"]);
    }
}
