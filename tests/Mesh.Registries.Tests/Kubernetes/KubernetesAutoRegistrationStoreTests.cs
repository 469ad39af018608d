using System.Text.Json.Nodes;
using k8s;
using Mesh.Grains.Abstractions;
using Mesh.Registries.Kubernetes;
using Mesh.Registries.Vm;
using Mesh.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>Auto-registered entries as WorkloadEntry CRs, through the real client against the fake API server.</summary>
public sealed class KubernetesAutoRegistrationStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private FakeApiServer _server = null!;
    private IKubernetes _client = null!;
    private KubernetesAutoRegistrationStore _store = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _client = KubernetesClientFactory.Create(new KubernetesOptions(_server.WriteKubeconfig(Directory.CreateTempSubdirectory("mesh-autoreg-kube-").FullName)));
        _store = new KubernetesAutoRegistrationStore(_client, NullLogger<KubernetesAutoRegistrationStore>.Instance);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static AutoRegisteredWorkload Workload(string ns = "apps", string address = "10.0.0.7") => new(
        ns, AutoRegistrationFiles.EntryName("ratings", address), "ratings", address,
        new Dictionary<string, string> { ["app"] = "ratings-vm", ["version"] = "v1" },
        new Dictionary<string, string>
        {
            ["istio.io/autoRegistrationGroup"] = "ratings",
            ["istio.io/workloadController"] = "mesh",
            ["istio.io/connectedAt"] = "2025-06-01T12:00:00.0000000+00:00",
        },
        new Dictionary<string, uint> { ["http"] = 9080 }, "vm-net", "eu/west", 3, "ratings-sa", HasProbe: true);

    private JsonObject Stored(string ns, string name) =>
        JsonNode.Parse(_server.Get(FakeResource.WorkloadEntries, ns, name) ?? throw new Xunit.Sdk.XunitException($"no WorkloadEntry {ns}/{name}"))!.AsObject();

    private static string? Condition(JsonObject entry, string field) => entry["status"]?["conditions"]?[0]?[field]?.GetValue<string>();

    [Fact]
    public async Task Write_NewEntry_CreatesCrWithSpecLabelsAnnotationsAndStatus()
    {
        await _store.WriteAsync(Workload(), new WorkloadHealthReport(true, null, At));

        var entry = Stored("apps", "ratings-10-0-0-7");
        Assert.Equal("WorkloadEntry", entry["kind"]!.GetValue<string>());
        Assert.Equal("ratings-vm", entry["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Equal("ratings", entry["metadata"]!["annotations"]!["istio.io/autoRegistrationGroup"]!.GetValue<string>());
        Assert.Equal("mesh", entry["metadata"]!["annotations"]!["istio.io/workloadController"]!.GetValue<string>());
        Assert.NotNull(entry["metadata"]!["annotations"]!["istio.io/connectedAt"]);
        var spec = entry["spec"]!;
        Assert.Equal("10.0.0.7", spec["address"]!.GetValue<string>());
        Assert.Equal("v1", spec["labels"]!["version"]!.GetValue<string>());
        Assert.Equal(9080, spec["ports"]!["http"]!.GetValue<int>());
        Assert.Equal(("vm-net", "eu/west", 3, "ratings-sa"),
            (spec["network"]!.GetValue<string>(), spec["locality"]!.GetValue<string>(), spec["weight"]!.GetValue<int>(), spec["serviceAccount"]!.GetValue<string>()));
        Assert.Equal(("Healthy", "True"), (Condition(entry, "type"), Condition(entry, "status")));
        Assert.Equal(At, DateTimeOffset.Parse(Condition(entry, "lastProbeTime")!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Write_Health_WrittenThroughStatusSubresource()
    {
        await _store.WriteAsync(Workload(), new WorkloadHealthReport(false, "connection refused", At));

        // The fake, like a real API server for a CRD with the status subresource, drops status from POST and PUT.
        var statusWrites = _server.Requests.Where(r => r.Path == "/apis/networking.istio.io/v1/namespaces/apps/workloadentries/ratings-10-0-0-7/status").ToList();
        Assert.Equal([200], statusWrites.Select(r => r.Status));
        var entry = Stored("apps", "ratings-10-0-0-7");
        Assert.Equal(("False", "connection refused"), (Condition(entry, "status"), Condition(entry, "message")));
    }

    [Fact]
    public async Task Write_Twice_ReplacesCrAndHealthFlipShowsInStatus()
    {
        await _store.WriteAsync(Workload(), new WorkloadHealthReport(true, null, At));
        var first = Stored("apps", "ratings-10-0-0-7")["metadata"]!["resourceVersion"]!.GetValue<string>();

        var changed = Workload() with { Labels = new Dictionary<string, string> { ["app"] = "ratings-vm", ["version"] = "v2" } };
        await _store.WriteAsync(changed, new WorkloadHealthReport(false, "probe failed", At.AddSeconds(5)));

        var entry = Stored("apps", "ratings-10-0-0-7");
        Assert.NotEqual(first, entry["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal("v2", entry["spec"]!["labels"]!["version"]!.GetValue<string>());
        Assert.Equal(("False", "probe failed"), (Condition(entry, "status"), Condition(entry, "message")));
        Assert.Equal(["ratings-10-0-0-7"], (await _store.ListAsync()).Select(e => e.Name));
        Assert.False((await _store.ReadHealthAsync("apps", "ratings-10-0-0-7"))!.Healthy);
    }

    [Fact]
    public async Task ReadHealth_AfterWrite_ReturnsCondition_UnknownEntryNull()
    {
        await _store.WriteAsync(Workload(), new WorkloadHealthReport(true, "ok", At));

        Assert.Equal(new WorkloadHealthReport(true, "ok", At), await _store.ReadHealthAsync("apps", "ratings-10-0-0-7"));
        Assert.Null(await _store.ReadHealthAsync("apps", "nothing-here"));
    }

    [Fact]
    public async Task ReadHealth_WrittenWithoutHealth_Null()
    {
        await _store.WriteAsync(Workload(), null);

        Assert.Null(Stored("apps", "ratings-10-0-0-7")["status"]);
        Assert.Null(await _store.ReadHealthAsync("apps", "ratings-10-0-0-7"));
    }

    [Fact]
    public async Task Delete_Existing_RemovesCr_SecondDeleteIsFine()
    {
        await _store.WriteAsync(Workload(), new WorkloadHealthReport(true, null, At));

        await _store.DeleteAsync("apps", "ratings-10-0-0-7");
        await _store.DeleteAsync("apps", "ratings-10-0-0-7");

        Assert.Null(_server.Get(FakeResource.WorkloadEntries, "apps", "ratings-10-0-0-7"));
        Assert.Empty(await _store.ListAsync());
    }

    [Fact]
    public async Task List_MixedEntries_ReturnsOnlyOursAcrossNamespaces()
    {
        await _store.WriteAsync(Workload("apps", "10.0.0.7"), null);
        await _store.WriteAsync(Workload("billing", "10.0.0.8"), null);
        // Istio's own auto-registered entry and a user's entry: not ours to adopt or remove.
        _server.ApplyJson(FakeResource.WorkloadEntries, """
            {"metadata":{"name":"istio-vm","namespace":"apps","annotations":{"istio.io/workloadController":"istiod"}},"spec":{"address":"10.0.0.9"}}
            """);
        _server.ApplyJson(FakeResource.WorkloadEntries, """{"metadata":{"name":"manual","namespace":"apps"},"spec":{"address":"10.0.0.10"}}""");

        Assert.Equal([("apps", "ratings-10-0-0-7"), ("billing", "ratings-10-0-0-8")], await _store.ListAsync());
    }
}
