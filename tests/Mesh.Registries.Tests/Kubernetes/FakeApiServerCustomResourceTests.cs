using System.Net;
using k8s;
using k8s.Autorest;
using Mesh.Registries.Kubernetes;
using Mesh.Testing.Kubernetes;

namespace Mesh.Registries.Tests.Kubernetes;

/// <summary>The fake API server's custom resources, through the real client's custom-object calls.</summary>
public sealed class FakeApiServerCustomResourceTests : IAsyncLifetime
{
    private FakeApiServer _server = null!;
    private IKubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync([.. FakeResource.BuiltIn, FakeResource.VirtualServices]);
        _client = KubernetesClientFactory.Create(new KubernetesOptions(_server.WriteKubeconfig(Directory.CreateTempSubdirectory("mesh-fake-").FullName)));
        _server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("apps", "a", "a", "a"));
        _server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("other", "b", "b", "b"));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task List_NamespacedPath_ReturnsOnlyThatNamespace()
    {
        using var all = await _client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<IstioResourceList>("networking.istio.io", "v1", "virtualservices");
        using var apps = await _client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<IstioResourceList>("networking.istio.io", "v1", "apps", "virtualservices");

        Assert.Equal(["a", "b"], all.Body.Items.Select(i => i.Metadata.Name));
        Assert.Equal(["a"], apps.Body.Items.Select(i => i.Metadata.Name));
        Assert.Equal(_server.ResourceVersion.ToString(), apps.Body.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Watch_NamespacedPath_DeliversOnlyThatNamespacesEvents()
    {
        var from = _server.ResourceVersion.ToString();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = _client.CustomObjects.WatchListNamespacedCustomObjectAsync(
            "networking.istio.io", "v1", "apps", "virtualservices", resourceVersion: from, cancellationToken: stop.Token);
        _server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("other", "c", "c", "c"));
        _server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("apps", "d", "d", "d"));

        await foreach (var (type, obj) in events)
        {
            var resource = KubernetesJson.Deserialize<IstioResource>(((System.Text.Json.JsonElement)obj).GetRawText());
            Assert.Equal((WatchEventType.Added, "apps/d"), (type, $"{resource.Metadata.NamespaceProperty}/{resource.Metadata.Name}"));
            break;
        }
    }

    [Fact]
    public async Task List_KindNotRegistered_Answers404()
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            _client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<IstioResourceList>("networking.istio.io", "v1", "sidecars"));

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
    }
}
