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

    private static IstioResource Vs(string ns, string name, string host, string? resourceVersion = null)
    {
        var resource = KubernetesJson.Deserialize<IstioResource>(IstioCrs.VirtualService(ns, name, host, host));
        resource.Metadata.ResourceVersion = resourceVersion;
        return resource;
    }

    [Fact]
    public async Task CreateReplaceStatusDelete_EachBumpsVersionAndEmitsWatchEvent()
    {
        var from = _server.ResourceVersion.ToString();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = _client.CustomObjects.WatchListNamespacedCustomObjectAsync(
            "networking.istio.io", "v1", "apps", "virtualservices", resourceVersion: from, cancellationToken: stop.Token);

        var created = await _client.CustomObjects.CreateNamespacedCustomObjectAsync<IstioResource>(Vs("apps", "n", "n"), "networking.istio.io", "v1", "apps", "virtualservices");
        var replaced = await _client.CustomObjects.ReplaceNamespacedCustomObjectAsync<IstioResource>(
            Vs("apps", "n", "n2", created.Metadata.ResourceVersion), "networking.istio.io", "v1", "apps", "virtualservices", "n");
        var withStatus = Vs("apps", "n", "ignored", replaced.Metadata.ResourceVersion);
        withStatus.Status = System.Text.Json.JsonDocument.Parse("""{"observedGeneration":"1"}""").RootElement;
        var statused = await _client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<IstioResource>(withStatus, "networking.istio.io", "v1", "apps", "virtualservices", "n");
        await _client.CustomObjects.DeleteNamespacedCustomObjectAsync("networking.istio.io", "v1", "apps", "virtualservices", "n");

        // The status PUT changed only status: the spec is still the replaced one.
        Assert.Contains("n2", statused.Spec!.Value.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("1", statused.Status!.Value.GetProperty("observedGeneration").GetString());
        var seen = new List<(WatchEventType, string?)>();
        await foreach (var (type, obj) in events)
        {
            seen.Add((type, KubernetesJson.Deserialize<IstioResource>(((System.Text.Json.JsonElement)obj).GetRawText()).Metadata.ResourceVersion));
            if (seen.Count == 4) break;
        }
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Modified, WatchEventType.Deleted], seen.Select(e => e.Item1));
        Assert.Equal(4, seen.Select(e => e.Item2).Distinct().Count());
        Assert.Null(_server.Get(FakeResource.VirtualServices, "apps", "n"));
    }

    [Fact]
    public async Task Replace_StaleResourceVersion_Answers409()
    {
        var current = await _client.CustomObjects.GetNamespacedCustomObjectAsync<IstioResource>("networking.istio.io", "v1", "apps", "virtualservices", "a");
        _server.ApplyJson(FakeResource.VirtualServices, IstioCrs.VirtualService("apps", "a", "a", "changed"));

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CustomObjects.ReplaceNamespacedCustomObjectAsync<IstioResource>(
            Vs("apps", "a", "mine", current.Metadata.ResourceVersion), "networking.istio.io", "v1", "apps", "virtualservices", "a"));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
    }

    [Fact]
    public async Task Create_Existing_Answers409()
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            _client.CustomObjects.CreateNamespacedCustomObjectAsync<IstioResource>(Vs("apps", "a", "a"), "networking.istio.io", "v1", "apps", "virtualservices"));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
    }

    [Fact]
    public async Task GetAndDelete_Absent_Answer404()
    {
        var get = await Assert.ThrowsAsync<HttpOperationException>(() =>
            _client.CustomObjects.GetNamespacedCustomObjectAsync<IstioResource>("networking.istio.io", "v1", "apps", "virtualservices", "none"));
        var delete = await Assert.ThrowsAsync<HttpOperationException>(() =>
            _client.CustomObjects.DeleteNamespacedCustomObjectAsync("networking.istio.io", "v1", "apps", "virtualservices", "none"));

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (get.Response.StatusCode, delete.Response.StatusCode));
    }
}
