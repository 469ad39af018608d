using Mesh.Api.Model;
using Mesh.Grains.Services;

namespace Mesh.Grains.Tests.Services;

public sealed class ServiceStateTests
{
    private static readonly ShardKey Kubernetes = new("Kubernetes", "Kubernetes");
    private static readonly ShardKey File = new("ServiceEntry", "config");
    private static readonly ShardKey Consul = new("Consul", "dc1");

    private static MeshService Service(string ns, uint port) =>
        new("web.demo.svc.cluster.local", ns, [new ServicePort(port, "HTTP", "http", null)],
            new Dictionary<string, string>(), ServiceLocation.MeshInternal, ServiceResolution.Static, []);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void MergedService_ThreeRegistries_KubernetesThenServiceEntryThenConsulWhateverTheOrder(int rotation)
    {
        (ShardKey Shard, MeshService Service)[] reports = [(Consul, Service("from-consul", 8080)), (File, Service("from-file", 9090)), (Kubernetes, Service("from-kube", 80))];
        var state = new ServiceState();
        foreach (var (shard, service) in reports.Skip(rotation).Concat(reports.Take(rotation))) state.SetService(shard, service);

        var merged = state.MergedService()!;
        Assert.Equal("from-kube", merged.Namespace);
        Assert.Equal([80u, 8080u, 9090u], merged.Ports.Select(p => p.Number));

        state.SetService(Kubernetes, null);
        Assert.Equal("from-file", state.MergedService()!.Namespace);
        state.SetService(File, null);
        Assert.Equal("from-consul", state.MergedService()!.Namespace);
    }
}
