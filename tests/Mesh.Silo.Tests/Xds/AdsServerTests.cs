using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Grpc.Core;
using Mesh.Api.Xds;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Xds;

/// <summary>The ADS server over a real socket, from a real silo reading a real config directory.</summary>
public sealed class AdsServerTests : IAsyncLifetime
{
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-ads-").FullName;
        File.WriteAllText(Path.Combine(dir, "alpha.yaml"),
            SampleConfig.ServiceEntry("alpha.mesh.local", 9000, ("127.0.0.1", 9001, "v1"), ("127.0.0.2", 9001, "v2"))
            + "\n---\n" + SampleConfig.DestinationRule("alpha.mesh.local", "v1", "v2"));
        _silo = await SiloFixture.StartAsync(dir);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private static List<string> Names(Envoy.Service.Discovery.V3.DiscoveryResponse r, Func<Google.Protobuf.WellKnownTypes.Any, string> name) =>
        [.. r.Resources.Select(name).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task StreamAggregatedResources_WildcardCds_ReturnsClusterPerPortAndSubset()
    {
        await using var client = new AdsClient(_silo.Options.XdsPort, "sidecar~10.0.0.1~a.default~default.svc.cluster.local");

        await client.SendAsync(ResourceTypes.Cluster, []);
        var response = await client.NextAsync("the CDS state of the world");

        Assert.Equal(ResourceTypes.Cluster, response.TypeUrl);
        Assert.NotEmpty(response.Nonce);
        Assert.NotEmpty(response.VersionInfo);
        Assert.Equal(
            ["outbound|9000|v1|alpha.mesh.local", "outbound|9000|v2|alpha.mesh.local", "outbound|9000||alpha.mesh.local"],
            Names(response, a => a.Unpack<Cluster>().Name));
    }

    [Fact]
    public async Task StreamAggregatedResources_NamedEds_ReturnsOnlyThatAssignment()
    {
        await using var client = new AdsClient(_silo.Options.XdsPort, "eds-client");

        await client.SendAsync(ResourceTypes.ClusterLoadAssignment, ["outbound|9000|v2|alpha.mesh.local"]);
        var response = await client.NextAsync("the subscribed load assignment");

        var cla = Assert.Single(response.Resources).Unpack<ClusterLoadAssignment>();
        Assert.Equal("outbound|9000|v2|alpha.mesh.local", cla.ClusterName);
        var endpoint = Assert.Single(cla.Endpoints.SelectMany(l => l.LbEndpoints));
        Assert.Equal("127.0.0.2", endpoint.Endpoint.Address.SocketAddress.Address);
        Assert.Equal(9001u, endpoint.Endpoint.Address.SocketAddress.PortValue);
    }

    [Fact]
    public async Task StreamAggregatedResources_AckThenNewName_NextResponseAnswersTheNewName()
    {
        await using var client = new AdsClient(_silo.Options.XdsPort, "ack-client");
        const string v1 = "outbound|9000|v1|alpha.mesh.local", v2 = "outbound|9000|v2|alpha.mesh.local";

        await client.SendAsync(ResourceTypes.ClusterLoadAssignment, [v1]);
        var first = await client.NextAsync("the first response");
        await client.AckAsync(first, [v1]);
        // Were the ACK answered, that answer would arrive before the one for the new name.
        await client.SendAsync(ResourceTypes.ClusterLoadAssignment, [v1, v2], first.VersionInfo, first.Nonce);
        var second = await client.NextAsync("the answer to the new subscription");

        // State of the world: the answer carries the whole subscribed set, now including v2.
        Assert.Equal([v1, v2], second.Resources.Select(a => a.Unpack<ClusterLoadAssignment>().ClusterName).Order(StringComparer.Ordinal));
        Assert.NotEqual(first.Nonce, second.Nonce);
    }

    [Fact]
    public async Task StreamAggregatedResources_Nack_ShowsInSyncz()
    {
        await using var client = new AdsClient(_silo.Options.XdsPort, "nack-client");

        await client.SendAsync(ResourceTypes.Cluster, []);
        var response = await client.NextAsync("CDS");
        await client.SendAsync(ResourceTypes.Cluster, [], "", response.Nonce, error: "cluster rejected: test");

        var deadline = DateTime.UtcNow.AddSeconds(20);
        string body;
        do
        {
            body = await _silo.Http.GetStringAsync("/debug/syncz");
            if (body.Contains("NACKED", StringComparison.Ordinal)) break;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        Assert.Contains("\"proxyId\":\"nack-client\"", body, StringComparison.Ordinal);
        Assert.Contains("NACKED", body, StringComparison.Ordinal);
        Assert.Contains("cluster rejected: test", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamAggregatedResources_NoNode_FailsWithInvalidArgument()
    {
        await using var client = new AdsClient(_silo.Options.XdsPort, "ignored");

        await client.SendAsync(ResourceTypes.Cluster, [], withNode: false);
        var error = await Assert.ThrowsAsync<RpcException>(() => client.NextAsync());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("node.id", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigEdit_EndpointChange_PushesOnlyTheChangedAssignmentToItsSubscriber()
    {
        await using var client = new AdsClient(_silo.Options.XdsPort, "push-client");
        File.WriteAllText(Path.Combine(_silo.ConfigDir, "beta.yaml"), SampleConfig.ServiceEntry("beta.mesh.local", 9100, ("127.0.0.1", 9101, "v1")));
        const string beta = "outbound|9100||beta.mesh.local";

        await client.SendAsync(ResourceTypes.ClusterLoadAssignment, [beta]);
        var first = await client.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment,
            r => r.Resources.Count == 1 && r.Resources[0].Unpack<ClusterLoadAssignment>().Endpoints.Count > 0, "beta's endpoints");
        await client.AckAsync(first, [beta]);
        File.WriteAllText(Path.Combine(_silo.ConfigDir, "beta.yaml"), SampleConfig.ServiceEntry("beta.mesh.local", 9100, ("127.0.0.9", 9101, "v1")));
        var pushed = await client.NextAsync("a push after the edit");

        var cla = Assert.Single(pushed.Resources).Unpack<ClusterLoadAssignment>();
        Assert.Equal(beta, cla.ClusterName);
        Assert.Equal("127.0.0.9", cla.Endpoints.Single().LbEndpoints.Single().Endpoint.Address.SocketAddress.Address);
    }

    [Fact]
    public async Task ConfigEdit_EndpointChange_IsNotSentToProxiesSubscribedToOtherAssignments()
    {
        await using var betaWatcher = new AdsClient(_silo.Options.XdsPort, "beta-watcher");
        await using var alphaWatcher = new AdsClient(_silo.Options.XdsPort, "alpha-watcher");
        File.WriteAllText(Path.Combine(_silo.ConfigDir, "beta.yaml"), SampleConfig.ServiceEntry("beta.mesh.local", 9100, ("127.0.0.1", 9101, "v1")));
        const string beta = "outbound|9100||beta.mesh.local", alpha = "outbound|9000|v1|alpha.mesh.local";
        await betaWatcher.SendAsync(ResourceTypes.ClusterLoadAssignment, [beta]);
        var b = await betaWatcher.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment,
            r => r.Resources.Count == 1 && r.Resources[0].Unpack<ClusterLoadAssignment>().Endpoints.Count > 0, "beta's endpoints");
        await betaWatcher.AckAsync(b, [beta]);
        await alphaWatcher.SendAsync(ResourceTypes.ClusterLoadAssignment, [alpha]);
        var a = await alphaWatcher.NextAsync("alpha's endpoints");
        await alphaWatcher.AckAsync(a, [alpha]);

        File.WriteAllText(Path.Combine(_silo.ConfigDir, "beta.yaml"), SampleConfig.ServiceEntry("beta.mesh.local", 9100, ("127.0.0.7", 9101, "v1")));
        await betaWatcher.NextAsync("beta's push");
        File.WriteAllText(Path.Combine(_silo.ConfigDir, "alpha.yaml"),
            SampleConfig.ServiceEntry("alpha.mesh.local", 9000, ("127.0.0.5", 9001, "v1"), ("127.0.0.2", 9001, "v2"))
            + "\n---\n" + SampleConfig.DestinationRule("alpha.mesh.local", "v1", "v2"));
        // Responses on a stream are ordered: had beta's change been sent here, it would come first.
        var next = await alphaWatcher.NextAsync("alpha's push");

        var cla = Assert.Single(next.Resources).Unpack<ClusterLoadAssignment>();
        Assert.Equal(alpha, cla.ClusterName);
        Assert.Equal("127.0.0.5", cla.Endpoints.Single().LbEndpoints.Single().Endpoint.Address.SocketAddress.Address);
        // Convergence is observed when a pushed change is ACKed; the ACK travels to the silo on its own time.
        await alphaWatcher.AckAsync(next, [alpha]);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var metrics = "";
        while (DateTime.UtcNow < deadline && !System.Text.RegularExpressions.Regex.IsMatch(metrics, @"pilot_proxy_convergence_time_count [1-9]"))
        {
            metrics = await _silo.Http.GetStringAsync("/metrics");
            await Task.Delay(50);
        }
        Assert.Matches(@"pilot_proxy_convergence_time_count [1-9]", metrics);
    }

    [Fact]
    public async Task ConfigDelete_WildcardCds_DropsTheDeletedClusters()
    {
        await using var client = new AdsClient(_silo.Options.XdsPort, "delete-client");
        _silo.WriteConfig("gone.yaml", SampleConfig.ServiceEntry("gone.mesh.local", 9500, ("127.0.0.1", 9501, "v1")));
        await client.SendAsync(ResourceTypes.Cluster, []);
        var with = await client.NextMatchingAsync(ResourceTypes.Cluster,
            r => r.Resources.Any(x => x.Unpack<Cluster>().Name == "outbound|9500||gone.mesh.local"), "the gone cluster");
        await client.AckAsync(with, []);

        File.Delete(Path.Combine(_silo.ConfigDir, "gone.yaml"));
        var without = await client.NextAsync("CDS after the delete");

        Assert.DoesNotContain(without.Resources, x => x.Unpack<Cluster>().Name.EndsWith("gone.mesh.local", StringComparison.Ordinal));
        Assert.Contains(without.Resources, x => x.Unpack<Cluster>().Name == "outbound|9000||alpha.mesh.local");
    }

    [Fact]
    public async Task ConfigEdit_InvalidDocument_IsRejectedAndLastGoodKeepsServing()
    {
        await using var client = new AdsClient(_silo.Options.XdsPort, "reject-client");
        const string gamma = "outbound|9200||gamma.mesh.local";
        File.WriteAllText(Path.Combine(_silo.ConfigDir, "gamma.yaml"), SampleConfig.ServiceEntry("gamma.mesh.local", 9200, ("127.0.0.1", 9201, "v1")));
        await client.SendAsync(ResourceTypes.ClusterLoadAssignment, [gamma]);
        var first = await client.NextMatchingAsync(ResourceTypes.ClusterLoadAssignment, r => r.Resources.Count == 1, "gamma's endpoints");
        await client.AckAsync(first, [gamma]);

        File.WriteAllText(Path.Combine(_silo.ConfigDir, "gamma.yaml"),
            SampleConfig.ServiceEntry("gamma.mesh.local", 9200, ("127.0.0.1", 9201, "v1")).Replace("number: 9200", "number: 99999"));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string configz;
        do
        {
            configz = await _silo.Http.GetStringAsync("/debug/configz");
            if (configz.Contains("99999", StringComparison.Ordinal)) break;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);

        Assert.Contains("gamma.yaml", configz, StringComparison.Ordinal);
        Assert.Contains("galley_validation_failed{kind=\"ServiceEntry\"} 1", await _silo.Http.GetStringAsync("/metrics"), StringComparison.Ordinal);
        Assert.Contains("spec.ports[0].number", configz, StringComparison.Ordinal);
        Assert.Contains("99999", configz, StringComparison.Ordinal);
        // Still served: ask again on a fresh stream and get the last good assignment.
        await using var fresh = new AdsClient(_silo.Options.XdsPort, "reject-client-2");
        await fresh.SendAsync(ResourceTypes.ClusterLoadAssignment, [gamma]);
        var again = await fresh.NextAsync("the last good gamma");
        Assert.Equal(gamma, Assert.Single(again.Resources).Unpack<ClusterLoadAssignment>().ClusterName);
    }

    [Fact]
    public async Task Ready_AfterStart_IsOkAndMetricsAreExported()
    {
        await using var client = new AdsClient(_silo.Options.XdsPort, "metrics-client");
        await client.SendAsync(ResourceTypes.Cluster, []);
        await client.NextAsync("CDS");

        using var ready = await _silo.Http.GetAsync("/ready");
        var metrics = await _silo.Http.GetStringAsync("/metrics");

        Assert.True(ready.IsSuccessStatusCode);
        Assert.Contains("pilot_xds{", metrics, StringComparison.Ordinal);
        Assert.Contains("pilot_xds_pushes{type=\"CDS\"}", metrics, StringComparison.Ordinal);
    }
}
