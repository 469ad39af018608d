using System.Diagnostics;
using System.Net.Http.Json;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Grains.Abstractions;
using Mesh.Proxy.Hosting;
using Mesh.Testing;
using Mesh.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.EndToEnd;

/// <summary>
/// VMs joining through the real silo: a real mesh-proxy auto-registers with a bootstrap token, its
/// probe runs against a real backend, and a real ADS client watches the service's EDS throughout.
/// </summary>
public sealed class VmAutoRegistrationTests(ITestOutputHelper output)
{
    private const string Host = "ratings.vm.mesh.local";
    private const string Cluster = $"outbound|9080||{Host}";
    private const string EdsType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static string Config(int probePort) => $"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {"{"}name: ratings-vm, namespace: default{"}"}
        spec:
          hosts: [{Host}]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{"{"}number: 9080, name: http, protocol: HTTP{"}"}]
          workloadSelector: {"{"}labels: {"{"}app: ratings-vm{"}"}{"}"}
        """;

    private static string Group(int probePort) => $"""
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {"{"}name: ratings, namespace: default{"}"}
        spec:
          metadata:
            labels: {"{"}app: ratings-vm, version: v1{"}"}
          template:
            serviceAccount: ratings
            ports: {"{"}http: 9080{"}"}
          probe:
            periodSeconds: 1
            timeoutSeconds: 1
            failureThreshold: 1
            successThreshold: 1
            httpGet: {"{"}path: /healthz, port: {probePort}{"}"}
        """;

    private sealed class Vm(string ip)
    {
        public string Ip { get; } = ip;
        public volatile bool Healthy = true;
    }

    private static async Task<Backend> ProbeTargetAsync(Vm vm) =>
        await Backend.StartAsync("ratings", (context, _) =>
        {
            if (context.Request.Path != "/healthz") return Task.FromResult(false);
            context.Response.StatusCode = vm.Healthy ? 200 : 503;
            return Task.FromResult(true);
        });

    private static async Task<string> SetUpAsync(SiloFixture silo, Backend target)
    {
        silo.WriteConfig("ratings-se.yaml", Config(target.Port));
        silo.WriteConfig("ratings-wg.yaml", Group(target.Port));
        var groupFile = Path.Combine(Directory.CreateTempSubdirectory("mesh-vm-").FullName, "workloadgroup.yaml");
        await File.WriteAllTextAsync(groupFile, Group(target.Port));
        return groupFile;
    }

    private static async Task<string> TokenAsync(SiloFixture silo)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            using var response = await silo.Http.PostAsync("/debug/workload-token?namespace=default&group=ratings&ttlSeconds=600", null);
            if (response.IsSuccessStatusCode)
                return (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["token"]!.GetValue<string>();
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the silo never served WorkloadGroup default/ratings");
            await Task.Delay(25);
        }
    }

    private static async Task<WebApplication> StartVmProxyAsync(SiloFixture silo, Vm vm, string groupFile, string token)
    {
        var p = FreePorts.Take(5);
        var options = ProxyOptions.Parse(
            [
                "--xds-address", $"127.0.0.1:{silo.Options.XdsPort}", "--workload-group", groupFile, "--bootstrap-token", token,
                "--ip", vm.Ip, "--pod-name", $"ratings-vm-{vm.Ip.Replace('.', '-')}", "--inbound-bind-address", "127.0.0.1",
                "--outbound-port", p[0].ToString(), "--inbound-port", p[1].ToString(), "--admin-port", p[2].ToString(),
                "--health-port", p[3].ToString(), "--stats-port", p[4].ToString(),
            ],
            _ => null);
        var app = ProxyHost.Build(options, logging: _ => { });
        await app.StartAsync();
        return app;
    }

    /// <summary>An ADS client subscribed to the service's EDS, ACKing every response.</summary>
    private sealed class EdsWatch(AdsClient ads) : IAsyncDisposable
    {
        public static async Task<EdsWatch> StartAsync(SiloFixture silo)
        {
            var ads = new AdsClient(silo.Options.XdsPort, $"sidecar~10.0.0.99~watcher-{Guid.NewGuid():N}.default~default.svc.cluster.local");
            await ads.SendAsync(EdsType, [Cluster]);
            return new EdsWatch(ads);
        }

        public async Task<IReadOnlyList<string>> UntilAsync(Func<IReadOnlyList<string>, bool> condition, string because)
        {
            while (true)
            {
                var response = await ads.NextMatchingAsync(EdsType, _ => true, because);
                await ads.AckAsync(response, [Cluster]);
                var addresses = response.Resources.Select(r => r.Unpack<ClusterLoadAssignment>())
                    .Where(c => c.ClusterName == Cluster)
                    .SelectMany(c => c.Endpoints.SelectMany(l => l.LbEndpoints))
                    .Where(e => e.HealthStatus is HealthStatus.Healthy or HealthStatus.Unknown)
                    .Select(e => e.Endpoint.Address.SocketAddress.Address)
                    .ToList();
                if (condition(addresses)) return addresses;
            }
        }

        public ValueTask DisposeAsync() => ads.DisposeAsync();
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"expected {what} within {Deadline.TotalSeconds} s");
            await Task.Delay(25);
        }
    }

    private static string EntryFile(SiloFixture silo, Vm vm) =>
        Path.Combine(silo.ConfigDir, "autoregistered", $"default-ratings-{vm.Ip.Replace('.', '-')}.yaml");

    [Fact]
    public async Task VmProxy_RegistersFailsRecoversDisconnects_EachReachesEds()
    {
        var grace = TimeSpan.FromMilliseconds(500);
        await using var silo = await SiloFixture.StartAsync(workloadEntryGracePeriod: grace);
        var vm = new Vm("10.9.8.7");
        await using var target = await ProbeTargetAsync(vm);
        var groupFile = await SetUpAsync(silo, target);
        var token = await TokenAsync(silo);
        await using var eds = await EdsWatch.StartAsync(silo);
        await eds.UntilAsync(a => a.Count == 0, "the service with no endpoint yet");

        var clock = Stopwatch.StartNew();
        var proxy = await StartVmProxyAsync(silo, vm, groupFile, token);
        await eds.UntilAsync(a => a.SequenceEqual([vm.Ip]), "the VM's endpoint once registered and its probe passed");
        output.WriteLine($"registered and healthy in EDS: {clock.ElapsedMilliseconds} ms after the proxy started");
        Assert.True(File.Exists(EntryFile(silo, vm)));
        Assert.Contains("\"app\": \"ratings-vm\"", await File.ReadAllTextAsync(EntryFile(silo, vm)), StringComparison.Ordinal);

        clock.Restart();
        vm.Healthy = false;
        await eds.UntilAsync(a => a.Count == 0, "the endpoint to leave EDS when the probe fails");
        output.WriteLine($"probe failing -> left EDS: {clock.ElapsedMilliseconds} ms (probe period 1 s, failureThreshold 1)");
        Assert.Contains("status: \"False\"", await File.ReadAllTextAsync(EntryFile(silo, vm)), StringComparison.Ordinal);

        clock.Restart();
        vm.Healthy = true;
        await eds.UntilAsync(a => a.SequenceEqual([vm.Ip]), "the endpoint back once the probe passes");
        output.WriteLine($"probe passing -> back in EDS: {clock.ElapsedMilliseconds} ms");

        clock.Restart();
        await proxy.StopAsync();
        await proxy.DisposeAsync();
        await eds.UntilAsync(a => a.Count == 0, "the endpoint to leave EDS after the grace period");
        output.WriteLine($"proxy stopped -> left EDS: {clock.ElapsedMilliseconds} ms (grace {grace.TotalMilliseconds} ms)");
        Assert.True(clock.Elapsed >= grace, $"removed after {clock.ElapsedMilliseconds} ms, before the {grace.TotalMilliseconds} ms grace period");
        await UntilAsync(() => Task.FromResult(!File.Exists(EntryFile(silo, vm))), "the entry's file to be removed");
    }

    [Theory]
    [InlineData("mesh-vm.v1.forged.token")]
    [InlineData(null)]
    public async Task Connect_BadOrMissingToken_PermissionDeniedAndNothingWritten(string? token)
    {
        await using var silo = await SiloFixture.StartAsync();
        var vm = new Vm("10.9.8.8");
        await using var target = await ProbeTargetAsync(vm);
        await SetUpAsync(silo, target);
        await TokenAsync(silo); // the group is served: only the token is wrong

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{silo.Options.XdsPort}");
        var headers = token is null ? new Grpc.Core.Metadata() : new Grpc.Core.Metadata { { "authorization", $"Bearer {token}" } };
        using var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel).StreamAggregatedResources(headers);
        var metadata = new Struct();
        metadata.Fields["AUTO_REGISTER_GROUP"] = Value.ForString("ratings");
        metadata.Fields["NAMESPACE"] = Value.ForString("default");
        metadata.Fields["INSTANCE_IPS"] = Value.ForString(vm.Ip);
        await call.RequestStream.WriteAsync(new DiscoveryRequest { TypeUrl = EdsType, Node = new Node { Id = $"sidecar~{vm.Ip}~vm.default~default.svc.cluster.local", Metadata = metadata } });

        var error = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("auto-registration refused", error.Status.Detail, StringComparison.Ordinal);
        Assert.False(File.Exists(EntryFile(silo, vm)));
        Assert.False(Directory.Exists(Path.Combine(silo.ConfigDir, "autoregistered")) && Directory.EnumerateFileSystemEntries(Path.Combine(silo.ConfigDir, "autoregistered")).Any());
    }

    [Fact]
    public async Task SiloRestart_ProxyReconnects_OneEntryStillServed()
    {
        var grace = TimeSpan.FromSeconds(5);
        var dir = Directory.CreateTempSubdirectory("mesh-vm-restart-").FullName;
        var vm = new Vm("10.9.8.9");
        await using var target = await ProbeTargetAsync(vm);
        string groupFile, token;
        var silo = await SiloFixture.StartAsync(dir, workloadEntryGracePeriod: grace);
        try
        {
            groupFile = await SetUpAsync(silo, target);
            token = await TokenAsync(silo);
            var first = await StartVmProxyAsync(silo, vm, groupFile, token);
            await using (var eds = await EdsWatch.StartAsync(silo))
                await eds.UntilAsync(a => a.SequenceEqual([vm.Ip]), "the VM's endpoint before the restart");
            await first.StopAsync();
            await first.DisposeAsync();
        }
        finally
        {
            await silo.DisposeAsync();
        }
        Assert.True(File.Exists(EntryFile(silo, vm)), "the entry must outlive the control plane");

        var clock = Stopwatch.StartNew();
        await using var restarted = await SiloFixture.StartAsync(dir, workloadEntryGracePeriod: grace);
        // Served from the file at once, before the proxy is back; then kept because it reconnects.
        await using var watch = await EdsWatch.StartAsync(restarted);
        await watch.UntilAsync(a => a.SequenceEqual([vm.Ip]), "the entry served from disk after the restart");
        output.WriteLine($"restarted silo serves the registered VM: {clock.ElapsedMilliseconds} ms after its start");
        var proxy = await StartVmProxyAsync(restarted, vm, groupFile, token);
        try
        {
            var grain = restarted.Services.GetRequiredService<IGrainFactory>().GetGrain<IWorkloadEntryGrain>(IWorkloadEntryGrain.KeyOf("default", $"ratings-{vm.Ip.Replace('.', '-')}"));
            await UntilAsync(async () => await grain.GetStateAsync() is { Connections: 1, RemovalScheduled: false, Health.Healthy: true },
                "the reconnected proxy to hold its entry with no removal pending");
            output.WriteLine($"proxy reconnected and holds its entry: {clock.ElapsedMilliseconds} ms after the restart");
            Assert.Equal([Path.GetFileName(EntryFile(restarted, vm))],
                Directory.GetFiles(Path.Combine(dir, "autoregistered")).Select(Path.GetFileName));
        }
        finally
        {
            await proxy.StopAsync();
            await proxy.DisposeAsync();
        }
    }

    [Fact]
    public async Task VmProxy_KubernetesWithIstioCrds_EntryIsCrInApiServerNotFile_DeletedAfterGrace()
    {
        var grace = TimeSpan.FromMilliseconds(500);
        await using var server = await FakeApiServer.StartAsync();
        await using var silo = await SiloFixture.StartAsync(kubernetes: server.RegistryOptions(), workloadEntryGracePeriod: grace);
        var vm = new Vm("10.9.8.6");
        var name = $"ratings-{vm.Ip.Replace('.', '-')}";
        await using var target = await ProbeTargetAsync(vm);
        var groupFile = await SetUpAsync(silo, target);
        var token = await TokenAsync(silo);
        await using var eds = await EdsWatch.StartAsync(silo);
        await eds.UntilAsync(a => a.Count == 0, "the service with no endpoint yet");

        var proxy = await StartVmProxyAsync(silo, vm, groupFile, token);
        // The ServiceEntry (a file) selects the entry the CRD source read back from the API server.
        await eds.UntilAsync(a => a.SequenceEqual([vm.Ip]), "the VM's endpoint, served from its WorkloadEntry CR");
        await UntilAsync(() => Task.FromResult(server.Get(FakeResource.WorkloadEntries, "default", name)?.Contains("\"Healthy\"", StringComparison.Ordinal) == true),
            "the CR's Healthy condition");
        var entry = System.Text.Json.Nodes.JsonNode.Parse(server.Get(FakeResource.WorkloadEntries, "default", name)!)!;
        Assert.Equal(vm.Ip, entry["spec"]!["address"]!.GetValue<string>());
        Assert.Equal("mesh", entry["metadata"]!["annotations"]!["istio.io/workloadController"]!.GetValue<string>());
        Assert.Equal("ratings", entry["metadata"]!["annotations"]!["istio.io/autoRegistrationGroup"]!.GetValue<string>());
        Assert.False(Directory.Exists(Path.Combine(silo.ConfigDir, "autoregistered")), "no file is written in Kubernetes CRD mode");

        await proxy.StopAsync();
        await proxy.DisposeAsync();
        await eds.UntilAsync(a => a.Count == 0, "the endpoint to leave EDS after the grace period");
        await UntilAsync(() => Task.FromResult(server.Get(FakeResource.WorkloadEntries, "default", name) is null), "the CR to be deleted");
        Assert.False(File.Exists(EntryFile(silo, vm)));
    }
}
