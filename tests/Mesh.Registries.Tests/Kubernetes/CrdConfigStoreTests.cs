using k8s;
using Mesh.Api.Model;
using Mesh.Registries.Kubernetes;

namespace Mesh.Registries.Tests.Kubernetes;

public sealed class CrdConfigStoreTests
{
    private const string WebOrigin = "kubernetes://east/apis/networking.istio.io/v1/namespaces/apps/virtualservices/web";
    private static readonly CrdKind VirtualServices = IstioCrdKinds.All.Single(k => k.Kind == "VirtualService");
    private static readonly CrdKind WorkloadEntries = IstioCrdKinds.All.Single(k => k.Kind == "WorkloadEntry");
    private readonly CrdConfigStore _store = new("east");

    private static IstioResource Cr(string json, string resourceVersion)
    {
        var resource = KubernetesJson.Deserialize<IstioResource>(json);
        resource.Metadata.ResourceVersion = resourceVersion;
        return resource;
    }

    [Fact]
    public void Apply_ValidCr_ServesItNamedByItsKubernetesPath()
    {
        Assert.True(_store.Apply(VirtualServices, ResourceChange<IstioResource>.Relisted(
            [Cr(IstioCrs.VirtualService("apps", "web", "web.apps.svc.cluster.local", "web-v2"), "5")])));

        var vs = Assert.IsType<VirtualService>(Assert.Single(_store.Snapshot().Objects));
        Assert.Equal(new ConfigOrigin(WebOrigin, -1), vs.Meta.Origin);
        Assert.Equal(("apps", "web", "networking.istio.io/v1"), (vs.Meta.Namespace, vs.Meta.Name, vs.Meta.ApiVersion));
        Assert.Equal("web-v2", vs.Spec.Http[0].Route[0].Destination.Host);
        Assert.Empty(_store.Snapshot().Rejected);
    }

    [Fact]
    public void Apply_InvalidNewVersion_KeepsLastGoodAndReportsOriginFieldAndValue()
    {
        _store.Apply(VirtualServices, ResourceChange<IstioResource>.Upserted(Cr(IstioCrs.VirtualService("apps", "web", "web", "web-v1"), "5")));
        var good = Assert.Single(_store.Snapshot().Objects);

        Assert.True(_store.Apply(VirtualServices, ResourceChange<IstioResource>.Upserted(Cr(IstioCrs.VirtualService("apps", "web", "web", "web-v2", weight: 250), "6"))));

        var snapshot = _store.Snapshot();
        Assert.Same(good, Assert.Single(snapshot.Objects));
        var error = Assert.Single(snapshot.Rejected);
        Assert.Equal(
            $"{WebOrigin} VirtualService apps/web: spec.http[0].route[0].weight: invalid value \"250\": weight must be in [0, 100]",
            error.ToString());

        // Fixed: served, and the error is gone.
        _store.Apply(VirtualServices, ResourceChange<IstioResource>.Upserted(Cr(IstioCrs.VirtualService("apps", "web", "web", "web-v3"), "7")));
        Assert.Equal("web-v3", Assert.IsType<VirtualService>(Assert.Single(_store.Snapshot().Objects)).Spec.Http[0].Route[0].Destination.Host);
        Assert.Empty(_store.Snapshot().Rejected);
    }

    [Fact]
    public void Apply_InvalidFirstVersion_ServesNothingAndReportsIt()
    {
        _store.Apply(VirtualServices, ResourceChange<IstioResource>.Upserted(Cr(IstioCrs.VirtualService("apps", "web", "web", "web", weight: -1), "5")));

        Assert.Empty(_store.Snapshot().Objects);
        Assert.Equal(WebOrigin, Assert.Single(_store.Snapshot().Rejected).File);
    }

    [Fact]
    public void Apply_RelistAtSameResourceVersions_ChangesNothingAndKeepsTheSameInstances()
    {
        var items = new[] { Cr(IstioCrs.VirtualService("apps", "web", "web", "web"), "5") };
        _store.Apply(VirtualServices, ResourceChange<IstioResource>.Relisted(items));
        var before = Assert.Single(_store.Snapshot().Objects);

        Assert.False(_store.Apply(VirtualServices, ResourceChange<IstioResource>.Relisted(
            [Cr(IstioCrs.VirtualService("apps", "web", "web", "web"), "5")])));
        Assert.Same(before, Assert.Single(_store.Snapshot().Objects));
    }

    [Fact]
    public void Apply_Relisted_RemovesOnlyTheVanishedObjectsOfThatKind()
    {
        _store.Apply(VirtualServices, ResourceChange<IstioResource>.Relisted(
            [Cr(IstioCrs.VirtualService("apps", "a", "a", "a"), "5"), Cr(IstioCrs.VirtualService("apps", "b", "b", "b"), "6")]));
        _store.Apply(WorkloadEntries, ResourceChange<IstioResource>.Relisted([Cr(IstioCrs.WorkloadEntry("apps", "vm-1", "10.0.0.1", "vm"), "7")]));

        Assert.True(_store.Apply(VirtualServices, ResourceChange<IstioResource>.Relisted([Cr(IstioCrs.VirtualService("apps", "b", "b", "b"), "6")])));

        Assert.Equal(["VirtualService/apps/b", "WorkloadEntry/apps/vm-1"], _store.Snapshot().Objects.Select(o => o.Meta.Key));
    }

    [Fact]
    public void Apply_WorkloadEntryWithHealthyFalseStatus_KeepsTheCondition()
    {
        _store.Apply(WorkloadEntries, ResourceChange<IstioResource>.Upserted(Cr(IstioCrs.WorkloadEntry("apps", "vm-1", "10.0.0.1", "vm", healthy: false), "5")));

        var entry = Assert.IsType<WorkloadEntry>(Assert.Single(_store.Snapshot().Objects));
        Assert.Equal(false, entry.Health?.Healthy);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), entry.Health?.LastProbeTime);
    }

    [Fact]
    public void Apply_Deleted_RemovesTheObjectAndItsErrors()
    {
        _store.Apply(VirtualServices, ResourceChange<IstioResource>.Upserted(Cr(IstioCrs.VirtualService("apps", "web", "web", "web", weight: -1), "5")));

        Assert.True(_store.Apply(VirtualServices, ResourceChange<IstioResource>.Deleted(Cr(IstioCrs.VirtualService("apps", "web", "web", "web", weight: -1), "6"))));

        Assert.Empty(_store.Snapshot().Rejected);
    }
}
