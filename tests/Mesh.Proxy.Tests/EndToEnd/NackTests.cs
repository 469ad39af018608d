using System.Net;
using System.Text.Json;
using Mesh.Proxy.Tests.Xds;
using Mesh.Proxy.Xds;
using Xunit.Abstractions;
using Mesh.Api.Xds;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>A control plane serves a route the proxy cannot apply: NACK over the real stream, old config kept.</summary>
public sealed class NackTests(ITestOutputHelper output)
{
    [Fact]
    public async Task UntranslatableRoute_NackedWithFieldAndTrafficKeepsOldConfig()
    {
        await using var backend = await Backend.StartAsync("v1");
        await using var plane = await FakeControlPlane.StartAsync();
        plane.Set(ResourceTypes.Cluster, XdsResources.V1, XdsResources.EdsCluster(XdsResources.V1));
        plane.Set(ResourceTypes.ClusterLoadAssignment, XdsResources.V1, XdsResources.Assignment(XdsResources.V1, backend.Port));
        plane.Set(ResourceTypes.Listener, "0.0.0.0_8080", XdsResources.SidecarListener(8080));
        plane.Set(ResourceTypes.RouteConfiguration, "8080", XdsResources.Routes("8080", "/.*"));
        await using var sidecar = await SidecarUnderTest.StartAsync(plane.Port);
        await sidecar.WaitForBodyAsync("echo.mesh.local:8080", "v1");

        // Backreferences are not RE2 (nor linear-time): Envoy rejects this route, and so must we.
        plane.Push(ResourceTypes.RouteConfiguration, "8080", XdsResources.Routes("8080", "/(a)\\1"));
        DeltaDiscoveryRequestView? nack = null;
        await sidecar.WaitUntilAsync(() =>
        {
            nack = plane.Received.Where(r => r.ErrorDetail is not null).Select(r => new DeltaDiscoveryRequestView(r.TypeUrl, r.ResponseNonce, r.ErrorDetail.Message)).FirstOrDefault();
            return Task.FromResult(nack is not null);
        }, "a NACK for the bad RouteConfiguration");

        output.WriteLine($"NACK error_detail: {nack!.Message}");
        Assert.Equal(ResourceTypes.RouteConfiguration, nack.TypeUrl);
        Assert.StartsWith("RouteConfiguration \"8080\": virtual_hosts[0] (echo.mesh.local:8080).routes[0].match.safe_regex: invalid regex \"/(a)\\1\"", nack.Message);
        for (var i = 0; i < 20; i++) Assert.Equal((HttpStatusCode.OK, "v1"), await sidecar.GetAsync("echo.mesh.local:8080", "/anything"));
        using var dump = JsonDocument.Parse(await sidecar.Admin.GetStringAsync("/config_dump"));
        Assert.Equal(nack.Message, dump.RootElement.GetProperty("last_rejection").GetString());
        Assert.Equal("/.*", dump.RootElement.GetProperty("route_tables")[0].GetProperty("virtual_hosts")[0].GetProperty("routes")[0].GetProperty("match").GetProperty("path").GetProperty("value").GetString());
    }

    private sealed record DeltaDiscoveryRequestView(string TypeUrl, string Nonce, string Message);
}
