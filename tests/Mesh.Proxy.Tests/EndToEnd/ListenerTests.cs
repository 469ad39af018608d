using System.Net;
using System.Text.Json;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>The other listeners: inbound (to the local app), admin and health, and h2c on the outbound port.</summary>
[Collection(MeshCollection.Name)]
public sealed class ListenerTests(MeshFixture mesh)
{
    [Fact]
    public async Task Inbound_AnyRequest_ForwardedToAppPortWithAuthority()
    {
        await using var app = await Backend.StartAsync("app");
        await using var sidecar = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort, appPort: app.Port, labels: "app=server,version=v1");
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{sidecar.Options.InboundPort}/hello");
        request.Headers.Host = "server.mesh.local:8080";

        using var response = await client.SendAsync(request);

        Assert.Equal("app", await response.Content.ReadAsStringAsync());
        Assert.Equal("server.mesh.local:8080", app.LastHost);
    }

    [Fact]
    public async Task Admin_ConfigDumpAndClusters_ShowServedConfig()
    {
        const string host = "admin.mesh.local";
        await mesh.AddServiceAsync(host, MeshConfig.Only(host, "v1"), "v1");

        using var dump = JsonDocument.Parse(await mesh.Sidecar.Admin.GetStringAsync("/config_dump"));
        var clusters = await mesh.Sidecar.Admin.GetStringAsync("/clusters");
        using var health = new HttpClient();
        var ready = await health.GetAsync($"http://127.0.0.1:{mesh.Sidecar.Options.HealthPort}/healthz/ready");

        var names = dump.RootElement.GetProperty("clusters").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains($"outbound|8080|v1|{host}", names);
        Assert.True(dump.RootElement.GetProperty("connected").GetBoolean());
        Assert.Contains($"outbound|8080|v1|{host}::127.0.0.1:{mesh.V1.Port}::health_flags::healthy", clusters);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Outbound_H2cPriorKnowledge_Routed()
    {
        const string host = "h2c.mesh.local";
        await mesh.AddServiceAsync(host, MeshConfig.Only(host, "v2"), "v2");
        using var client = new HttpClient(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{mesh.Sidecar.Options.OutboundPort}/")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Host = $"{host}:8080";

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("v2", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>The xDS client against the real silo in its other modes.</summary>
[Collection(MeshCollection.Name)]
public sealed class XdsClientTests(MeshFixture mesh)
{
    [Fact]
    public async Task StateOfTheWorld_RealSilo_RoutesLikeDelta()
    {
        const string host = "sotw.mesh.local";
        await mesh.AddServiceAsync(host, MeshConfig.HeaderRoute(host), "v1");
        await using var sidecar = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort, protocol: "sotw");

        await sidecar.WaitForBodyAsync($"{host}:8080", "v2", ("end-user", "jason"));
        await sidecar.WaitForBodyAsync($"{host}:8080", "v1");
    }

    [Fact]
    public async Task Addresses_FirstControlPlaneDown_ConnectsToNext()
    {
        const string host = "failover.mesh.local";
        await mesh.AddServiceAsync(host, MeshConfig.Only(host, "v2"), "v2");

        // Nothing listens on the first address: the client backs off and tries the next silo.
        await using var sidecar = await SidecarUnderTest.StartAsync(mesh.Silo.Options.XdsPort, deadXdsPort: Mesh.Testing.FreePorts.Take(1)[0]);

        await sidecar.WaitForBodyAsync($"{host}:8080", "v2");
        Assert.True(sidecar.Xds.Connected);
    }
}
