using Mesh.Api.Model;
using Mesh.Api.Yaml;
using Mesh.Grains.Abstractions;
using Mesh.Registries.Vm;

namespace Mesh.Registries.Tests.Vm;

public sealed class AutoRegistrationFilesTests
{
    private static AutoRegisteredWorkload Workload(string address = "10.0.0.7") => new(
        "apps", AutoRegistrationFiles.EntryName("ratings", address), "ratings", address,
        new Dictionary<string, string> { ["app"] = "ratings-vm", ["version"] = "v1" },
        new Dictionary<string, string> { ["istio.io/autoRegistrationGroup"] = "ratings", ["note"] = "\"quoted\": # not a comment\n---" },
        new Dictionary<string, uint> { ["http"] = 9080 }, "vm-net", "eu/west", 3, "ratings-sa", HasProbe: true);

    [Theory]
    [InlineData("ratings", "10.0.0.7", "ratings-10-0-0-7")]
    [InlineData("ratings", "fd00::7", "ratings-fd00--7")]
    public void EntryName_GroupAndAddress_IstioForm(string group, string address, string expected)
    {
        Assert.Equal(expected, AutoRegistrationFiles.EntryName(group, address));
    }

    [Fact]
    public void Render_WithHealth_ParsesBackToTheSameEntry()
    {
        var at = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

        const string message = "exec probe check exited with 1: \"db\": down # really\n---\nkind: x";
        var yaml = AutoRegistrationFiles.Render(Workload(), new WorkloadHealthReport(false, message, at));
        var parsed = ConfigParser.Parse("e.yaml", yaml);

        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors) + "\n" + yaml);
        var entry = Assert.IsType<WorkloadEntry>(Assert.Single(parsed.Objects));
        Assert.Equal(("apps", "ratings-10-0-0-7"), (entry.Meta.Namespace, entry.Meta.Name));
        Assert.Equal("10.0.0.7", entry.Spec.Address);
        Assert.Equal("v1", entry.Spec.Labels["version"]);
        Assert.Equal(9080u, entry.Spec.Ports["http"]);
        Assert.Equal(("vm-net", "eu/west", 3u, "ratings-sa"), (entry.Spec.Network, entry.Spec.Locality, entry.Spec.Weight!.Value, entry.Spec.ServiceAccount));
        Assert.Equal(new HealthCondition(false, at, message), entry.Health);
    }

    [Fact]
    public async Task WriteReadDelete_OneFilePerEntry_RewrittenNotDuplicated()
    {
        var files = new AutoRegistrationFiles(Directory.CreateTempSubdirectory("mesh-autoreg-").FullName);

        await files.WriteAsync(Workload(), null);
        await files.WriteAsync(Workload(), new WorkloadHealthReport(true, null, DateTimeOffset.UnixEpoch));

        Assert.Equal(["apps-ratings-10-0-0-7.yaml"], System.IO.Directory.GetFiles(files.Directory).Select(Path.GetFileName));
        Assert.Equal([("apps", "ratings-10-0-0-7")], await files.ListAsync());
        Assert.True((await files.ReadHealthAsync("apps", "ratings-10-0-0-7"))!.Healthy);

        await files.DeleteAsync("apps", "ratings-10-0-0-7");

        Assert.Empty(System.IO.Directory.GetFiles(files.Directory));
        Assert.Null(await files.ReadHealthAsync("apps", "ratings-10-0-0-7"));
    }
}
