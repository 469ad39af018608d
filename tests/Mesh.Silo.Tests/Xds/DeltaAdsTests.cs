using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Mesh.Api.Xds;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Xds;

/// <summary>Delta ADS against a real silo: first response, reconnect with versions, removal on delete.</summary>
public sealed class DeltaAdsTests : IAsyncLifetime
{
    private SiloFixture _silo = null!;

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-delta-").FullName;
        File.WriteAllText(Path.Combine(dir, "delta.yaml"), SampleConfig.ServiceEntry("delta.mesh.local", 9300, ("127.0.0.1", 9301, "v1")));
        _silo = await SiloFixture.StartAsync(dir);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task DeltaAggregatedResources_Wildcard_SendsClustersThenRemovesDeletedOnes()
    {
        await using var client = new DeltaStreamClient(_silo.Options.XdsPort);
        const string name = "outbound|9300||delta.mesh.local";

        await client.SendAsync(new DeltaDiscoveryRequest { Node = new Node { Id = "delta-1" }, TypeUrl = ResourceTypes.Cluster });
        var first = await client.NextAsync(r => r.Resources.Any(x => x.Name == name), "the delta cluster");
        Assert.All(first.Resources, r => Assert.NotEmpty(r.Version));
        await client.SendAsync(new DeltaDiscoveryRequest { TypeUrl = ResourceTypes.Cluster, ResponseNonce = first.Nonce });

        File.Delete(Path.Combine(_silo.ConfigDir, "delta.yaml"));
        var removal = await client.NextAsync(r => r.RemovedResources.Contains(name), "the cluster's removal");

        Assert.DoesNotContain(removal.Resources, r => r.Name == name);
    }

    [Fact]
    public async Task DeltaAggregatedResources_ReconnectWithCurrentVersions_SendsNothingAlreadyHeld()
    {
        const string name = "outbound|9300||delta.mesh.local";
        string version;
        await using (var first = new DeltaStreamClient(_silo.Options.XdsPort))
        {
            await first.SendAsync(new DeltaDiscoveryRequest { Node = new Node { Id = "delta-2" }, TypeUrl = ResourceTypes.ClusterLoadAssignment, ResourceNamesSubscribe = { name } });
            var response = await first.NextAsync(r => r.Resources.Any(x => x.Name == name), "the assignment");
            version = response.Resources.Single(x => x.Name == name).Version;
        }

        await using var second = new DeltaStreamClient(_silo.Options.XdsPort);
        var reconnect = new DeltaDiscoveryRequest { Node = new Node { Id = "delta-2" }, TypeUrl = ResourceTypes.ClusterLoadAssignment, ResourceNamesSubscribe = { name } };
        reconnect.InitialResourceVersions[name] = version;
        await second.SendAsync(reconnect);
        var answer = await second.NextAsync(_ => true, "an answer to the reconnect");

        Assert.Empty(answer.Resources);
        Assert.Empty(answer.RemovedResources);
    }
}
