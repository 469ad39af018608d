using System.Net;
using Mesh.Silo.Clustering;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Mesh.Silo.Tests.Clustering;

/// <summary>Real Orleans silos and a client on loopback, clustered through the fake API server only.</summary>
public sealed class KubernetesMembershipEndToEndTests
{
    private const string ServiceId = "mesh-membership-e2e";

    [Fact]
    public async Task TwoSilos_OneApiServer_FormOneClusterAndCallAcross()
    {
        await using var api = await MembershipApi.StartAsync();
        var clusterId = $"e2e-{Guid.NewGuid():N}"[..20];
        var options = new KubernetesMembershipOptions(MembershipApi.Namespace, clusterId) { Kubeconfig = api.Kubeconfig };
        using var first = await StartSiloAsync(options);
        using var second = await StartSiloAsync(options);
        try
        {
            var table = api.Table(clusterId);
            var rows = await Eventually.GetAsync(
                async () => (await table.ReadAll()).Members.Select(m => m.Item1).ToList(),
                rows => rows.Count == 2 && rows.All(e => e.Status == SiloStatus.Active),
                "both silos Active in the MeshSilo rows", seconds: 60);
            var addresses = rows.Select(e => e.SiloAddress).ToArray();
            Assert.Equal(addresses.Order(), new[] { Address(first), Address(second) }.Order());

            foreach (var silo in new[] { first, second })
            {
                var management = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
                await Eventually.GetAsync(async () => (await management.GetHosts(onlyActive: true)).Count, n => n == 2, "two active hosts seen from each silo", seconds: 60);
                // Reaches each silo's control target, so at least one call crosses from silo to silo.
                var statistics = await management.GetRuntimeStatistics(addresses);
                Assert.Equal(2, statistics.Length);
            }

            using var client = await StartClientAsync(options);
            var hosts = await client.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(addresses.Order(), hosts.Keys.Order());

            await StopAsync(second);
            var afterStop = await Eventually.GetAsync(
                async () => (await table.ReadAll()).Members.ToDictionary(m => m.Item1.SiloAddress, m => m.Item1.Status),
                s => s.GetValueOrDefault(Address(second)) == SiloStatus.Dead,
                "the stopped silo's row Dead", seconds: 60);
            Assert.Equal(SiloStatus.Active, afterStop[Address(first)]);
        }
        finally
        {
            await StopAsync(second);
            await StopAsync(first);
        }
    }

    [Fact]
    public async Task UseKubernetesMembership_ClusterIdDiffersFromClusterOptions_SiloFailsToStartSayingSo()
    {
        await using var api = await MembershipApi.StartAsync();
        var options = new KubernetesMembershipOptions(MembershipApi.Namespace, "table-cluster") { Kubeconfig = api.Kubeconfig };
        using var host = BuildSilo(options, clusterId: "orleans-cluster");

        var error = await Assert.ThrowsAsync<OrleansConfigurationException>(() => host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("table-cluster", error.Message);
        Assert.Contains("orleans-cluster", error.Message);
    }

    private static async Task<IHost> StartSiloAsync(KubernetesMembershipOptions options)
    {
        var host = BuildSilo(options, options.ClusterId);
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(90));
        return host;
    }

    private static IHost BuildSilo(KubernetesMembershipOptions options, string clusterId)
    {
        var ports = FreePorts.Take(2);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = ServiceId; });
            silo.ConfigureEndpoints(IPAddress.Loopback, ports[0], ports[1]);
            silo.UseKubernetesMembership(options);
        });
        return builder.Build();
    }

    private static async Task<IHost> StartClientAsync(KubernetesMembershipOptions options)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => { o.ClusterId = options.ClusterId; o.ServiceId = ServiceId; });
            client.UseKubernetesMembership(options);
        });
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return host;
    }

    private static SiloAddress Address(IHost silo) => silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    private static async Task StopAsync(IHost host)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await host.StopAsync(stop.Token); } catch (OperationCanceledException) { }
    }
}
