using k8s.Models;
using Mesh.Api.Model;
using Mesh.Registries.Kubernetes;

namespace Mesh.Registries.Tests.Kubernetes;

public sealed class ServiceEntrySelectionsTests
{
    private static readonly Dictionary<string, string> App = new() { ["app"] = "ratings" };
    private readonly ClusterState _cluster = new();
    private readonly ServiceEntrySelections _selections = new();

    private ChangeSet Configure(params ServiceEntry[] entries)
    {
        var changed = new ChangeSet();
        _selections.SetConfig(SelectedPods.Config(entries), changed);
        return changed;
    }

    private ChangeSet Apply(ResourceChange<V1Pod> change)
    {
        var changed = new ChangeSet();
        _cluster.Apply(change, changed);
        _selections.Reach(changed);
        return changed;
    }

    [Fact]
    public void SetConfig_BeforeAnyConfig_NotLoadedAndNoHosts()
    {
        Assert.False(_selections.Loaded);
        Assert.Empty(_selections.Hosts);
    }

    [Fact]
    public void SetConfig_SelectingEntry_MarksItsHostsChanged()
    {
        var changed = Configure(
            SelectedPods.Entry("demo", "ratings", App, ["ratings.example.com", "ratings.internal"]),
            SelectedPods.Entry("demo", "static", null, ["static.example.com"]));

        Assert.True(_selections.Loaded);
        Assert.Equal(["ratings.example.com", "ratings.internal"], changed.Hosts.Order());
        Assert.Equal(["ratings.example.com", "ratings.internal"], _selections.Hosts.Order());
    }

    [Fact]
    public void SetConfig_SameSelectionAgain_ChangesNothing()
    {
        Configure(SelectedPods.Entry("demo", "ratings", App, ["ratings.example.com"]));

        var changed = Configure(SelectedPods.Entry("demo", "ratings", new Dictionary<string, string>(App), ["ratings.example.com"]));

        Assert.Empty(changed.Hosts);
    }

    public static TheoryData<string, ServiceEntry> Changes => new()
    {
        { "selector", SelectedPods.Entry("demo", "ratings", new Dictionary<string, string> { ["app"] = "ratings2" }, ["ratings.example.com"]) },
        { "ports", SelectedPods.Entry("demo", "ratings", App, ["ratings.example.com"], [new ServicePort(80, "HTTP", "http", 8080)]) },
        { "namespace", SelectedPods.Entry("other", "ratings", App, ["ratings.example.com"]) },
        { "selector removed", SelectedPods.Entry("demo", "ratings", null, ["ratings.example.com"]) },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void SetConfig_SelectionChanged_MarksTheHost(string what, ServiceEntry next)
    {
        Configure(SelectedPods.Entry("demo", "ratings", App, ["ratings.example.com"]));

        Assert.True(Configure(next).Hosts.SetEquals(["ratings.example.com"]), what);
    }

    [Fact]
    public void SetConfig_EntryRemoved_MarksItsHostsAndOwnsThemNoMore()
    {
        Configure(SelectedPods.Entry("demo", "ratings", App, ["ratings.example.com"]));

        var changed = Configure();

        Assert.Equal(["ratings.example.com"], changed.Hosts);
        Assert.False(_selections.Owns("ratings.example.com"));
    }

    [Fact]
    public void SetConfig_TwoEntriesOneHost_FirstByNamespaceAndNameOwnsIt()
    {
        // As ServiceEntryTranslator: the first entry defines the host, so its selector (none here) decides.
        Configure(
            SelectedPods.Entry("demo", "b-selecting", App, ["ratings.example.com"]),
            SelectedPods.Entry("demo", "a-static", null, ["ratings.example.com"]));

        Assert.False(_selections.Owns("ratings.example.com"));
    }

    [Fact]
    public void Reach_PodMatchingBeforeOrAfter_MarksTheEntrysHosts()
    {
        Configure(
            SelectedPods.Entry("demo", "ratings", App, ["ratings.example.com"]),
            SelectedPods.Entry("demo", "reviews", new Dictionary<string, string> { ["app"] = "reviews" }, ["reviews.example.com"]));
        _cluster.Apply(ResourceChange<V1Pod>.Relisted([]), new ChangeSet());

        Assert.Equal(["ratings.example.com"], Apply(ResourceChange<V1Pod>.Upserted(SelectedPods.Pod("demo", "p", "10.1.0.1", "node-a", App))).Hosts);
        // Relabelled from ratings to reviews: both entries must look again.
        var relabelled = Apply(ResourceChange<V1Pod>.Upserted(SelectedPods.Pod("demo", "p", "10.1.0.1", "node-a", new() { ["app"] = "reviews" })));
        Assert.Equal(["ratings.example.com", "reviews.example.com"], relabelled.Hosts.Order());
        Assert.Empty(Apply(ResourceChange<V1Pod>.Upserted(SelectedPods.Pod("demo", "q", "10.1.0.2", "node-a", new() { ["app"] = "other" }))).Hosts);
        Assert.Empty(Apply(ResourceChange<V1Pod>.Upserted(SelectedPods.Pod("other", "r", "10.1.0.3", "node-a", App))).Hosts);
    }

    [Fact]
    public void EndpointsOf_SelectedPods_InTheEntrysNamespaceOnly()
    {
        Configure(SelectedPods.Entry("demo", "ratings", App, ["ratings.example.com"]));
        _cluster.Apply(ResourceChange<V1Node>.Relisted([KubeObjects.Node("node-a", "eu-west", "eu-west-1a")]), new ChangeSet());
        _cluster.Apply(ResourceChange<V1Pod>.Relisted(
        [
            SelectedPods.Pod("demo", "p1", "10.1.0.1", "node-a", App),
            SelectedPods.Pod("demo", "p2", "10.1.0.2", "node-a", App, ready: false),
            SelectedPods.Pod("demo", "p3", "10.1.0.3", "node-a", new() { ["app"] = "other" }),
            SelectedPods.Pod("other", "p4", "10.1.0.4", "node-a", App),
        ]), new ChangeSet());

        var endpoints = _selections.EndpointsOf("ratings.example.com", _cluster);

        Assert.Equal([("10.1.0.1", EndpointHealth.Healthy), ("10.1.0.2", EndpointHealth.Unhealthy)], endpoints.Select(e => (e.Address, e.Health)));
        Assert.All(endpoints, e => Assert.Equal("eu-west/eu-west-1a", e.Locality));
        Assert.Empty(_selections.EndpointsOf("unknown.example.com", _cluster));
    }

    [Fact]
    public void EndpointsOf_PodMovedNamespaceOrDeleted_LeavesTheIndex()
    {
        Configure(SelectedPods.Entry("demo", "ratings", App, ["ratings.example.com"]));
        var pod = SelectedPods.Pod("demo", "p1", "10.1.0.1", "node-a", App);
        _cluster.Apply(ResourceChange<V1Pod>.Relisted([pod]), new ChangeSet());

        _cluster.Apply(ResourceChange<V1Pod>.Deleted(pod), new ChangeSet());

        Assert.Empty(_selections.EndpointsOf("ratings.example.com", _cluster));
        Assert.Empty(_cluster.PodsIn("demo"));
    }

    [Fact]
    public void EndpointsOf_TwoPodsOneAddress_KeepsTheFirstByName()
    {
        // Host-network pods on one node share its IP.
        Configure(SelectedPods.Entry("demo", "ratings", App, ["ratings.example.com"]));
        _cluster.Apply(ResourceChange<V1Pod>.Relisted(
        [
            SelectedPods.Pod("demo", "b", "10.0.0.5", "node-a", App, serviceAccount: "b-sa"),
            SelectedPods.Pod("demo", "a", "10.0.0.5", "node-a", App, serviceAccount: "a-sa"),
        ]), new ChangeSet());

        Assert.Equal("a-sa", Assert.Single(_selections.EndpointsOf("ratings.example.com", _cluster)).ServiceAccount);
    }
}
