using k8s;
using Mesh.Registries.Kubernetes;
using Mesh.Testing.Kubernetes;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>Kubeconfigs as third parties write them, read by the real client against the fake API server.</summary>
public sealed class KubernetesClientFactoryTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-kubeconfig-").FullName;
    private FakeApiServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _server.Apply(KubeObjects.Service("demo", "web", "10.96.0.10", KubeObjects.Port("http", 80)));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string Write(string text)
    {
        var path = Path.Combine(_dir, $"kubeconfig-{Guid.NewGuid():N}");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private string Kubeconfig(string userEntry) => Write($"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: http://127.0.0.1:{_server.Port}
        users:
        {userEntry}
        contexts:
        - name: fake
          context:
            cluster: fake
            user: u
        current-context: fake
        """);

    private async Task<List<string>> ListServicesAsync(string kubeconfig)
    {
        using var client = KubernetesClientFactory.Create(new KubernetesOptions(kubeconfig));
        var list = await client.CoreV1.ListServiceForAllNamespacesAsync();
        return [.. list.Items.Select(s => s.Metadata.Name)];
    }

    [Theory]
    [InlineData("- name: u\n  user: {}")]
    [InlineData("- name: u\n  user:")]
    [InlineData("- name: u")]
    public async Task Create_UserWithoutCredentials_ListsServicesAnonymously(string userEntry)
    {
        var names = await ListServicesAsync(Kubeconfig(userEntry));

        Assert.Equal(["web"], names);
        var request = Assert.Single(_server.Requests);
        Assert.Null(request.Authorization);
    }

    [Fact]
    public async Task Create_UserWithToken_SendsTheToken()
    {
        var names = await ListServicesAsync(Kubeconfig("- name: u\n  user:\n    token: secret-token"));

        Assert.Equal(["web"], names);
        Assert.Equal("Bearer secret-token", Assert.Single(_server.Requests).Authorization);
    }

    [Fact]
    public void LoadConfiguration_UserWithOnlyFieldsTheClientCannotRead_FailsRatherThanGoingAnonymous()
    {
        var path = Kubeconfig("- name: u\n  user:\n    tokenFile: /var/run/secrets/token");

        var error = Assert.Throws<ArgumentException>(() => KubernetesClientFactory.LoadConfiguration(new KubernetesOptions(path)));

        Assert.StartsWith($"--kubeconfig {path}: cannot load the kubeconfig: ", error.Message);
        Assert.Contains("credentials", error.Message);
    }

    [Theory]
    [InlineData("this is: [not, a kubeconfig")]
    [InlineData("just some text")]
    [InlineData("apiVersion: v1\nkind: Config\ncurrent-context: nowhere\n")]
    [InlineData("")]
    public void LoadConfiguration_Garbage_FailsNamingTheFlagAndTheFile(string text)
    {
        var path = Write(text);

        var error = Assert.Throws<ArgumentException>(() => KubernetesClientFactory.LoadConfiguration(new KubernetesOptions(path)));

        Assert.StartsWith($"--kubeconfig {path}: cannot load the kubeconfig: ", error.Message);
    }

    [Fact]
    public void LoadConfiguration_MissingFile_FailsNamingTheFlagAndTheFile()
    {
        var path = Path.Combine(_dir, "absent");

        var error = Assert.Throws<ArgumentException>(() => KubernetesClientFactory.LoadConfiguration(new KubernetesOptions(path)));

        Assert.StartsWith($"--kubeconfig {path}: cannot load the kubeconfig: ", error.Message);
        Assert.Contains("not found", error.Message);
    }
}
