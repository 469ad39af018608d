using System.Diagnostics;
using System.Text.Json;
using Mesh.Registries.Kubernetes;
using Mesh.Testing;
using Mesh.Testing.Kubernetes;
using Xunit.Abstractions;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>A silo whose API server is away at start-up: ready after the CRDs' sync wait, and their config joins when it returns.</summary>
public sealed class CrdReadinessEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task StartAsync_ApiServerAway_ReadyAfterSyncWaitThenServesTheCrsWhenItReturns()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("default", "late", "late.mesh.local", "late.mesh.local"));
        await server.DownAsync();
        var kubeconfig = server.WriteKubeconfig(Directory.CreateTempSubdirectory("mesh-kube-").FullName);

        var clock = Stopwatch.StartNew();
        await using var silo = await SiloFixture.StartAsync(kubernetes: new KubernetesOptions(kubeconfig)
        {
            RetryInitial = TimeSpan.FromMilliseconds(20),
            RetryMax = TimeSpan.FromMilliseconds(200),
            ConfigSyncWait = TimeSpan.FromSeconds(1),
        });
        output.WriteLine($"ready without the API server after {clock.ElapsedMilliseconds} ms");

        using (var configz = JsonDocument.Parse(await silo.Http.GetStringAsync("/debug/configz")))
        {
            var kube = configz.RootElement.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "kubernetes://Kubernetes");
            Assert.False(kube.GetProperty("synced").GetBoolean());
            Assert.Contains(configz.RootElement.GetProperty("crds").EnumerateArray(), k => k.GetProperty("failingSince").ValueKind != JsonValueKind.Null);
        }

        await server.UpAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await ServesAsync(silo, "late"))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("within 20 s: the CR served once the API server is back");
            await Task.Delay(50);
        }
    }

    private static async Task<bool> ServesAsync(SiloFixture silo, string name)
    {
        using var configz = JsonDocument.Parse(await silo.Http.GetStringAsync("/debug/configz"));
        return configz.RootElement.GetProperty("serving").EnumerateArray().Any(o => o.GetProperty("name").GetString() == name);
    }
}
