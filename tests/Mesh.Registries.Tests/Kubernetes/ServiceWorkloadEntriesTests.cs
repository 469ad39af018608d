using k8s.Models;
using Mesh.Api.Model;
using Mesh.Registries.Kubernetes;

namespace Mesh.Registries.Tests.Kubernetes;

public sealed class ServiceWorkloadEntriesTests
{
    private static WorkloadEntry Entry(string name, string address, Dictionary<string, string> labels, string ns = "demo",
        Dictionary<string, uint>? ports = null, bool? healthy = null) =>
        new(new ConfigMeta("WorkloadEntry", "networking.istio.io/v1", name, ns, new Dictionary<string, string>()),
            new WorkloadEntrySpec(address, ports ?? [], labels, "vm-net", "eu/west", 3, "vm-sa"))
        {
            Health = healthy is { } h ? new HealthCondition(h, null, null) : null,
        };

    private static V1Service Web(params V1ServicePort[] ports) =>
        KubeObjects.Service("demo", "web", "10.96.0.10", ports.Length == 0 ? [KubeObjects.Port("http", 80, 8080)] : ports);

    private static readonly Dictionary<string, string> App = new() { ["app"] = "web" };

    [Theory]
    [InlineData("demo", "web", "10.0.0.5", true)]
    [InlineData("other", "web", "10.0.0.5", false)]
    [InlineData("demo", "api", "10.0.0.5", false)]
    [InlineData("demo", "web", "vm.example.com", false)]
    [InlineData("demo", "web", "fd00::5", true)]
    public void Selects_NamespaceLabelsAndIpAddress(string ns, string app, string address, bool selected)
    {
        var entry = Entry("vm-1", address, new() { ["app"] = app, ["extra"] = "x" }, ns);

        Assert.Equal(selected, ServiceWorkloadEntries.Selects(Web(), entry));
    }

    [Fact]
    public void Selects_ServiceWithoutSelector_SelectsNothing()
    {
        var svc = Web();
        svc.Spec.Selector = null;

        Assert.False(ServiceWorkloadEntries.Selects(svc, Entry("vm-1", "10.0.0.5", App)));
    }

    [Fact]
    public void ToEndpoint_NamedTargetPort_TakesTheEntrysPortOfThatName()
    {
        var svc = Web(KubeObjects.Port("http", 80), KubeObjects.Port("grpc", 9090), KubeObjects.Port("admin", 9000));
        svc.Spec.Ports[0].TargetPort = "web-port";
        svc.Spec.Ports[2].TargetPort = "missing";
        var entry = Entry("vm-1", "10.0.0.5", App, ports: new() { ["web-port"] = 8081, ["grpc"] = 7000 }, healthy: false);

        var endpoint = ServiceWorkloadEntries.ToEndpoint(entry, svc);

        // grpc's targetPort is numeric (9090): Istio ignores the entry's ports for it, as for "missing".
        Assert.Equal(new Dictionary<string, uint> { ["http"] = 8081 }, endpoint.Ports);
        Assert.Equal(("10.0.0.5", "eu/west", 3u, "vm-sa", "vm-net", "vm-1"),
            (endpoint.Address, endpoint.Locality, endpoint.Weight, endpoint.ServiceAccount, endpoint.Network, endpoint.WorkloadName));
        Assert.Equal(EndpointHealth.Unhealthy, endpoint.Health);
    }

    [Fact]
    public void EndpointsOf_HeadlessOrExternalService_TakesNoEntries()
    {
        var entries = new ServiceWorkloadEntries();
        entries.SetConfig(MeshConfig.Empty with { WorkloadEntries = [Entry("vm-1", "10.0.0.5", App)] }, new ClusterState(), new ChangeSet());
        var svc = Web();
        var service = KubernetesTranslator.ToService(svc, "cluster.local");

        Assert.Single(entries.EndpointsOf(svc, service));
        Assert.Empty(entries.EndpointsOf(svc, service with { Resolution = ServiceResolution.None }));
        Assert.Empty(entries.EndpointsOf(svc, service with { Location = ServiceLocation.MeshExternal }));
    }

    [Fact]
    public void SetConfig_EntryAddedChangedRemoved_MarksOnlyTheSelectingServices()
    {
        var cluster = new ClusterState();
        cluster.Apply(ResourceChange<V1Service>.Relisted([Web(), KubeObjects.Service("demo", "api", "10.96.0.11", KubeObjects.Port("http", 80))]), new ChangeSet());
        var entries = new ServiceWorkloadEntries();
        ChangeSet Set(params WorkloadEntry[] all)
        {
            var changed = new ChangeSet();
            entries.SetConfig(MeshConfig.Empty with { WorkloadEntries = all }, cluster, changed);
            return changed;
        }

        Assert.Equal(["demo/web"], Set(Entry("vm-1", "10.0.0.5", App)).Services);
        Assert.Empty(Set(Entry("vm-1", "10.0.0.5", new Dictionary<string, string>(App))).Services);
        Assert.Equal(["demo/web"], Set(Entry("vm-1", "10.0.0.5", App, healthy: false)).Services);
        // Relabelled from web to api: both Services look again.
        Assert.Equal(["demo/api", "demo/web"], Set(Entry("vm-1", "10.0.0.5", new() { ["app"] = "api" })).Services.Order());
        Assert.Equal(["demo/api"], Set().Services);
    }
}
