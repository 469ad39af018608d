using Mesh.Cli.Commands;
using Mesh.Registries.Vm;
using Mesh.Testing;

namespace Mesh.Cli.Tests.Commands;

/// <summary>`meshctl workload entry configure` against a real silo that issues the token.</summary>
public sealed class WorkloadCommandTests : IAsyncLifetime
{
    private const string Group = """
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: ratings, namespace: apps}
        spec:
          metadata: {labels: {app: ratings-vm}}
          template: {serviceAccount: ratings, labels: {version: v1}}
          probe: {httpGet: {path: /healthz, port: 9080}}
        """;

    private SiloFixture _silo = null!;
    private string _groupFile = null!;
    private string Address => $"http://127.0.0.1:{_silo.Options.HttpPort}";

    public async Task InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("meshctl-vm-").FullName;
        File.WriteAllText(Path.Combine(dir, "wg.yaml"), Group);
        _silo = await SiloFixture.StartAsync(dir);
        _groupFile = Path.Combine(Directory.CreateTempSubdirectory("meshctl-vm-in-").FullName, "ratings.yaml");
        await File.WriteAllTextAsync(_groupFile, Group);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Configure_ServedGroup_WritesTokenEnvAndGroup()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("meshctl-vm-out-").FullName, "vm");

        var result = await MeshCtlRunner.RunAsync("workload", "entry", "configure", "-f", _groupFile, "-o", output,
            "--control-plane", Address, "--xds-address", "mesh.example:15010", "--ttl", "2h");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(["bootstrap-token", "mesh-proxy.env", "workloadgroup.yaml"], Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("no CA yet", result.Output, StringComparison.Ordinal);
        var token = (await File.ReadAllTextAsync(Path.Combine(output, "bootstrap-token"))).Trim();
        var key = BootstrapKey.LoadOrCreate(BootstrapKey.PathIn(_silo.ConfigDir));
        var check = BootstrapToken.Verify(key, token, "apps", "ratings", DateTimeOffset.UtcNow);
        Assert.True(check.Valid, check.Error);
        Assert.InRange(check.Claims!.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(119), TimeSpan.FromMinutes(121));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(output, "bootstrap-token")));
        var env = await File.ReadAllTextAsync(Path.Combine(output, "mesh-proxy.env"));
        Assert.Contains("MESH_XDS_ADDRESS=mesh.example:15010\n", env, StringComparison.Ordinal);
        Assert.Contains("MESH_NAMESPACE=apps\n", env, StringComparison.Ordinal);
        Assert.Contains("MESH_SERVICE_ACCOUNT=ratings\n", env, StringComparison.Ordinal);
        Assert.Contains("MESH_LABELS=app=ratings-vm,version=v1\n", env, StringComparison.Ordinal);
        Assert.Contains("MESH_WORKLOAD_GROUP=/etc/mesh/workloadgroup.yaml\n", env, StringComparison.Ordinal);
        Assert.Contains("MESH_BOOTSTRAP_TOKEN_FILE=/etc/mesh/bootstrap-token\n", env, StringComparison.Ordinal);
        Assert.Equal(Group, await File.ReadAllTextAsync(Path.Combine(output, "workloadgroup.yaml")));
    }

    [Fact]
    public async Task Configure_GroupNotServed_FailsWithTheReason()
    {
        var other = Path.Combine(Path.GetDirectoryName(_groupFile)!, "other.yaml");
        await File.WriteAllTextAsync(other, Group.Replace("name: ratings", "name: reviews", StringComparison.Ordinal));

        var result = await MeshCtlRunner.RunAsync("workload", "entry", "configure", "-f", other, "-o", Path.GetTempPath(), "--control-plane", Address);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("WorkloadGroup apps/reviews is not served", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configure_NotAWorkloadGroup_Refused()
    {
        var bad = Path.Combine(Path.GetDirectoryName(_groupFile)!, "bad.yaml");
        await File.WriteAllTextAsync(bad, "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: x}\nspec: {address: 10.0.0.1}\n");

        var result = await MeshCtlRunner.RunAsync("workload", "entry", "configure", "-f", bad, "-o", Path.GetTempPath(), "--control-plane", Address);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("exactly one valid WorkloadGroup", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    public void TryParseDuration_GoStyle_Seconds(string text, int seconds)
    {
        Assert.True(WorkloadCommand.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("h")]
    [InlineData("5x")]
    [InlineData("0s")]
    public void TryParseDuration_Invalid_False(string text)
    {
        Assert.False(WorkloadCommand.TryParseDuration(text, out _));
    }
}
