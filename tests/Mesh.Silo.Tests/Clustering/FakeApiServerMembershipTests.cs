using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Silo.Clustering;
using Mesh.Testing.Kubernetes;

namespace Mesh.Silo.Tests.Clustering;

/// <summary>The fake API server's answers the membership table relies on, as the real API server gives them.</summary>
public sealed class FakeApiServerMembershipTests : IAsyncLifetime
{
    private MembershipApi _api = null!;

    public async Task InitializeAsync()
    {
        _api = await MembershipApi.StartAsync();
        foreach (var (name, cluster) in new[] { ("a1", "a"), ("a2", "a"), ("b1", "b") })
            _api.Server.ApplyJson(FakeResource.MeshSilos, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = MembershipApi.Namespace, ["labels"] = new JsonObject { ["mesh.io/cluster"] = cluster } },
                ["spec"] = new JsonObject { ["clusterId"] = cluster },
            }.ToJsonString());
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Theory]
    [InlineData("mesh.io/cluster=a", "a1,a2")]
    [InlineData("mesh.io/cluster==b", "b1")]
    [InlineData("mesh.io/cluster!=a", "b1")]
    [InlineData("mesh.io/cluster", "a1,a2,b1")]
    [InlineData("!mesh.io/cluster", "")]
    [InlineData("mesh.io/cluster=a,mesh.io/cluster!=a", "")]
    public async Task List_LabelSelector_OnlyMatchingObjects(string selector, string expected)
    {
        var list = await _api.Client.CustomObjects.ListNamespacedCustomObjectAsync<MeshSiloResourceList>(
            MembershipKinds.Group, MembershipKinds.Version, MembershipApi.Namespace, MembershipKinds.SiloPlural, labelSelector: selector);

        Assert.Equal(expected, string.Join(',', list.Items.Select(i => i.Metadata.Name)));
    }

    [Fact]
    public async Task List_SetBasedSelector_RefusedNotIgnored()
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => _api.Client.CustomObjects.ListNamespacedCustomObjectAsync<MeshSiloResourceList>(
            MembershipKinds.Group, MembershipKinds.Version, MembershipApi.Namespace, MembershipKinds.SiloPlural, labelSelector: "mesh.io/cluster in (a,b)"));

        Assert.Equal(HttpStatusCode.BadRequest, error.Response.StatusCode);
    }

    [Fact]
    public async Task Delete_StalePrecondition_ConflictAndKept_CurrentPrecondition_Deleted()
    {
        var current = await _api.Client.CustomObjects.GetNamespacedCustomObjectAsync<MeshSiloResource>(
            MembershipKinds.Group, MembershipKinds.Version, MembershipApi.Namespace, MembershipKinds.SiloPlural, "a1");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Delete("a1", "1"));
        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.NotNull(_api.Server.Get(FakeResource.MeshSilos, MembershipApi.Namespace, "a1"));

        await Delete("a1", current.Metadata.ResourceVersion);
        Assert.Null(_api.Server.Get(FakeResource.MeshSilos, MembershipApi.Namespace, "a1"));
    }

    [Fact]
    public async Task Replace_StaleResourceVersion_ConflictAndUnchanged()
    {
        var current = await _api.Client.CustomObjects.GetNamespacedCustomObjectAsync<MeshSiloResource>(
            MembershipKinds.Group, MembershipKinds.Version, MembershipApi.Namespace, MembershipKinds.SiloPlural, "a1");
        var stored = _api.Server.Get(FakeResource.MeshSilos, MembershipApi.Namespace, "a1");
        current.Metadata.ResourceVersion = "1";
        current.Spec = current.Spec! with { Status = "Dead" };

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => _api.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<MeshSiloResource>(
            current, MembershipKinds.Group, MembershipKinds.Version, MembershipApi.Namespace, MembershipKinds.SiloPlural, "a1"));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Equal(stored, _api.Server.Get(FakeResource.MeshSilos, MembershipApi.Namespace, "a1"));
    }

    [Fact]
    public async Task Create_NameTaken_AlreadyExists()
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => _api.Client.CustomObjects.CreateNamespacedCustomObjectAsync<MeshSiloResource>(
            new MeshSiloResource { Metadata = new V1ObjectMeta { Name = "a1" } }, MembershipKinds.Group, MembershipKinds.Version, MembershipApi.Namespace, MembershipKinds.SiloPlural));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Contains("AlreadyExists", error.Response.Content);
    }

    private Task Delete(string name, string resourceVersion) => _api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(
        MembershipKinds.Group, MembershipKinds.Version, MembershipApi.Namespace, MembershipKinds.SiloPlural, name,
        body: new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = resourceVersion } });
}
