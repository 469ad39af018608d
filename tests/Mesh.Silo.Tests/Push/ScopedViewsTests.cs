using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Grains.Services;
using Mesh.Silo.Push;

namespace Mesh.Silo.Tests.Push;

/// <summary>Views shared per scope: same scope, same view object; another scope, its own; the same content as unshared.</summary>
public sealed class ScopedViewsTests
{
    private static MeshService Service(string host, string ns, params string[] exportTo) =>
        new(host, ns, [new ServicePort(80, "HTTP", "http", null)], new Dictionary<string, string>(), ServiceLocation.MeshInternal, ServiceResolution.Static, [])
        {
            ExportTo = exportTo,
        };

    private static ServiceFragments Fragments(MeshService service)
    {
        var output = ServiceFragmentBuilder.BuildWithVariants(service, [], null, []);
        return new ServiceFragments(service.Host, "v1", output.Resources, false, DateTimeOffset.UnixEpoch, service.Namespace, service.ExportTo);
    }

    private static ResourceSnapshot Snapshot() => SnapshotBuilder.Build(
        [Fragments(Service("public.a.svc.cluster.local", "a")), Fragments(Service("private.b.svc.cluster.local", "b", "."))], []);

    private static ProxyScope Scope(string ns, string labels = "") => new(ns, null,
        labels.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]));

    [Fact]
    public void ViewOf_SameScope_OneSharedView()
    {
        var views = new ScopedViews();
        var full = Snapshot();

        var first = views.ViewOf(Scope("a", "app=x"), full);
        var second = views.ViewOf(Scope("a", "app=y"), full);

        // Labels no selector reads do not split the scope.
        Assert.Same(first, second);
        Assert.Equal(Scope("a").Apply(full).OfType(Mesh.Api.Xds.ResourceTypes.Cluster).Keys, first.OfType(Mesh.Api.Xds.ResourceTypes.Cluster).Keys);
    }

    [Fact]
    public void ViewOf_OtherNamespace_ItsOwnView()
    {
        var views = new ScopedViews();
        var full = Snapshot();

        var a = views.ViewOf(Scope("a"), full);
        var b = views.ViewOf(Scope("b"), full);

        Assert.DoesNotContain(a.OfType(Mesh.Api.Xds.ResourceTypes.Cluster).Keys, k => k.Contains("private.b", StringComparison.Ordinal));
        Assert.Contains(b.OfType(Mesh.Api.Xds.ResourceTypes.Cluster).Keys, k => k.Contains("private.b", StringComparison.Ordinal));
    }

    [Fact]
    public void DiffOf_SamePair_ComputedOnceAndEqualToADiff()
    {
        var views = new ScopedViews();
        var before = views.ViewOf(Scope("a"), Snapshot());
        var after = views.ViewOf(Scope("a"), SnapshotBuilder.Build([Fragments(Service("public.a.svc.cluster.local", "a"))], []));

        var diff = views.DiffOf(before, after);

        Assert.Same(diff, views.DiffOf(before, after));
        Assert.Equal(SnapshotBuilder.Diff(before, after).Keys.Order(), diff.Keys.Order());
    }
}
