using System.Net;
using Mesh.Testing;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>The control plane goes away; the sidecar keeps routing by the last good config.</summary>
public sealed class StaticStabilityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ControlPlaneStopped_TrafficKeepsFlowing()
    {
        await using var v1 = await Backend.StartAsync("v1");
        await using var v2 = await Backend.StartAsync("v2");
        var silo = await SiloFixture.StartAsync();
        await using var sidecar = await SidecarUnderTest.StartAsync(silo.Options.XdsPort);
        const string host = "stable.mesh.local";
        silo.WriteConfig($"{host}.yaml", MeshConfig.Service(host, v1, v2) + "\n---\n" + MeshConfig.Split(host, 50, 50));
        await sidecar.WaitForBodyAsync($"{host}:8080", "v2");

        await silo.DisposeAsync();
        await sidecar.WaitUntilAsync(() => Task.FromResult(!sidecar.Xds.Connected), "the sidecar to notice the control plane is gone");

        var bodies = new Dictionary<string, int>();
        for (var i = 0; i < 200; i++)
        {
            var (status, body) = await sidecar.GetAsync($"{host}:8080");
            Assert.Equal(HttpStatusCode.OK, status);
            bodies[body] = bodies.GetValueOrDefault(body) + 1;
        }
        output.WriteLine($"control plane down: 200/200 requests answered ({string.Join(", ", bodies.Select(b => $"{b.Key} {b.Value}"))})");
        Assert.Equal(["v1", "v2"], bodies.Keys.Order());
        Assert.True((await sidecar.Admin.GetAsync("/ready")).IsSuccessStatusCode);
    }
}
