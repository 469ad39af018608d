using System.Diagnostics;
using Mesh.Testing;
using Mesh.Testing.Kubernetes;
using Xunit.Abstractions;

namespace Mesh.Registries.Tests.Vm;

/// <summary>
/// A silo reading Istio CRs starts and finds auto-registered WorkloadEntry CRs a previous control
/// plane left in the API server: it adopts only its own (annotated workloadController: mesh), and
/// removes them once the grace period passes with no proxy reconnecting; a user's entry stays.
/// </summary>
public sealed class CrdAdoptionEndToEndTests(ITestOutputHelper output)
{
    private static string Entry(string name, string address, string? controller)
    {
        var annotations = controller is null
            ? "{}"
            : $$"""{"istio.io/workloadController": "{{controller}}", "istio.io/autoRegistrationGroup": "ratings"}""";
        return $$"""
            {"apiVersion": "networking.istio.io/v1", "kind": "WorkloadEntry",
             "metadata": {"name": "{{name}}", "namespace": "default", "annotations": {{annotations}} },
             "spec": {"address": "{{address}}", "labels": {"app": "ratings"} } }
            """;
    }

    [Fact]
    public async Task SiloStart_LeftoverEntriesNoProxy_OwnRemovedAfterGraceOthersKept()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.ApplyJson(FakeResource.WorkloadEntries, Entry("ratings-10-9-0-1", "10.9.0.1", "mesh"));
        server.ApplyJson(FakeResource.WorkloadEntries, Entry("hand-written", "10.9.0.2", null));
        var grace = TimeSpan.FromSeconds(1);

        var clock = Stopwatch.StartNew();
        await using var silo = await SiloFixture.StartAsync(kubernetes: server.RegistryOptions(), workloadEntryGracePeriod: grace);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (server.Get(FakeResource.WorkloadEntries, "default", "ratings-10-9-0-1") is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the leftover auto-registered entry was never removed");
            await Task.Delay(20);
        }
        output.WriteLine($"leftover entry removed {clock.ElapsedMilliseconds} ms after the silo started (grace {grace.TotalMilliseconds} ms)");

        Assert.True(clock.Elapsed >= grace, "removed before its grace period");
        Assert.NotNull(server.Get(FakeResource.WorkloadEntries, "default", "hand-written"));
    }
}
