using k8s.Models;
using Mesh.Api.Model;
using Mesh.Registries.Kubernetes;

namespace Mesh.Registries.Tests.Kubernetes;

public sealed class ServiceEntryPodsTests
{
    private static readonly Dictionary<string, string> App = new() { ["app"] = "ratings" };

    private static ServiceEntry Entry(Dictionary<string, string>? selector = null, string ns = "demo", params ServicePort[] ports) =>
        SelectedPods.Entry(ns, "ratings", selector ?? App, ["ratings.example.com"], ports.Length == 0 ? null : ports);

    [Theory]
    [InlineData("demo", "ratings", null, true)]
    [InlineData("demo", "ratings", "v1", true)]
    [InlineData("demo", "reviews", null, false)]
    [InlineData("other", "ratings", null, false)]
    public void Selects_LabelsAndNamespace_MatchOnlyTheEntrysNamespace(string podNamespace, string app, string? version, bool selected)
    {
        var labels = new Dictionary<string, string> { ["app"] = app };
        if (version is not null) labels["version"] = version;

        Assert.Equal(selected, ServiceEntryPods.Selects(Entry(), SelectedPods.Pod(podNamespace, "p", "10.1.0.1", "node-a", labels)));
    }

    [Fact]
    public void Selects_EverySelectorLabel_MustMatch()
    {
        var entry = Entry(new() { ["app"] = "ratings", ["version"] = "v2" });

        Assert.False(ServiceEntryPods.Selects(entry, SelectedPods.Pod("demo", "p", "10.1.0.1", "node-a", new() { ["app"] = "ratings", ["version"] = "v1" })));
        Assert.True(ServiceEntryPods.Selects(entry, SelectedPods.Pod("demo", "p", "10.1.0.1", "node-a", new() { ["app"] = "ratings", ["version"] = "v2" })));
    }

    [Fact]
    public void Selects_EntryWithoutSelector_SelectsNothing()
    {
        var entry = SelectedPods.Entry("demo", "static", null, ["static.example.com"]);

        Assert.False(ServiceEntryPods.Selects(entry, SelectedPods.Pod("demo", "p", "10.1.0.1", "node-a", App)));
    }

    [Fact]
    public void ToEndpoint_ReadyPod_CarriesIpLabelsAccountWorkloadLocalityAndNetwork()
    {
        var pod = SelectedPods.Pod("demo", "app-5d9c8b7f6-aaaaa", "10.1.0.1", "node-a", App, serviceAccount: "ratings-sa");
        var node = KubeObjects.Node("node-a", "eu-west", "eu-west-1a", "rack-7");
        var ns = KubeObjects.Namespace("demo", new() { ["topology.istio.io/network"] = "net-1" });

        var endpoint = ServiceEntryPods.ToEndpoint(pod, Entry().Spec, node, ns, "Kubernetes")!;

        Assert.Equal("10.1.0.1", endpoint.Address);
        Assert.Equal("ratings", endpoint.Labels["app"]);
        Assert.Equal(("Kubernetes", "eu-west-1a", "node-a"),
            (endpoint.Labels["topology.istio.io/cluster"], endpoint.Labels["topology.kubernetes.io/zone"], endpoint.Labels["kubernetes.io/hostname"]));
        Assert.Equal("ratings-sa", endpoint.ServiceAccount);
        Assert.Equal("app", endpoint.WorkloadName);
        Assert.Equal("eu-west/eu-west-1a/rack-7", endpoint.Locality);
        Assert.Equal("net-1", endpoint.Network);
        Assert.Equal(EndpointHealth.Healthy, endpoint.Health);
        Assert.Empty(endpoint.Ports);
    }

    [Fact]
    public void ToEndpoint_PodNetworkLabel_WinsOverTheNamespaces()
    {
        var pod = SelectedPods.Pod("demo", "p", "10.1.0.1", "node-a", new() { ["app"] = "ratings", ["topology.istio.io/network"] = "net-2" });
        var ns = KubeObjects.Namespace("demo", new() { ["topology.istio.io/network"] = "net-1" });

        Assert.Equal("net-2", ServiceEntryPods.ToEndpoint(pod, Entry().Spec, null, ns, "Kubernetes")!.Network);
    }

    [Fact]
    public void ToEndpoint_UnknownNode_HasNoLocality()
    {
        var pod = SelectedPods.Pod("demo", "p", "10.1.0.1", "node-x", App);

        Assert.Null(ServiceEntryPods.ToEndpoint(pod, Entry().Spec, null, null, "Kubernetes")!.Locality);
    }

    [Fact]
    public void ToEndpoint_NamedContainerPort_OverridesTargetPortAndNumber()
    {
        // Istio: the workload's port of the service port's name, else targetPort, else the number.
        var spec = Entry(null, "demo",
            new ServicePort(80, "HTTP", "http", 8080),
            new ServicePort(9090, "GRPC", "grpc", null),
            new ServicePort(7070, "TCP", "tcp", 7071)).Spec;
        var pod = SelectedPods.Pod("demo", "p", "10.1.0.1", "node-a", App, containerPorts:
        [
            new V1ContainerPort { Name = "http", ContainerPort = 8000 },
            new V1ContainerPort { Name = "http", ContainerPort = 8001 },
            new V1ContainerPort { Name = "tcp", ContainerPort = 7000, Protocol = "UDP" },
            new V1ContainerPort { Name = "metrics", ContainerPort = 9100 },
        ]);

        var endpoint = ServiceEntryPods.ToEndpoint(pod, spec, null, null, "Kubernetes")!;

        // Only "http" is overridden (first of its name); grpc and tcp fall back to targetPort/number downstream.
        Assert.Equal(new Dictionary<string, uint> { ["http"] = 8000 }, endpoint.Ports);
    }

    public static TheoryData<string, Action<V1Pod>, EndpointHealth> Readiness => new()
    {
        { "ready", _ => { }, EndpointHealth.Healthy },
        { "not ready", p => p.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "False" }], EndpointHealth.Unhealthy },
        { "no conditions yet", p => p.Status.Conditions = null, EndpointHealth.Unhealthy },
        { "terminating", p => p.Metadata.DeletionTimestamp = DateTime.UtcNow, EndpointHealth.Unhealthy },
        { "failed", p => p.Status.Phase = "Failed", EndpointHealth.Unhealthy },
        { "succeeded", p => p.Status.Phase = "Succeeded", EndpointHealth.Unhealthy },
    };

    [Theory]
    [MemberData(nameof(Readiness))]
    public void ToEndpoint_PodState_GivesHealth(string state, Action<V1Pod> change, EndpointHealth health)
    {
        var pod = SelectedPods.Pod("demo", "p", "10.1.0.1", "node-a", App);
        change(pod);

        Assert.True(health == ServiceEntryPods.ToEndpoint(pod, Entry().Spec, null, null, "Kubernetes")!.Health, state);
    }

    [Fact]
    public void ToEndpoint_PodWithoutIp_IsNoEndpoint()
    {
        var pod = SelectedPods.Pod("demo", "p", "", "node-a", App);
        pod.Status.PodIP = null;

        Assert.Null(ServiceEntryPods.ToEndpoint(pod, Entry().Spec, null, null, "Kubernetes"));
    }

    [Fact]
    public void ToEndpoint_OnlyPodIps_TakesTheFirst()
    {
        var pod = SelectedPods.Pod("demo", "p", "", "node-a", App);
        pod.Status.PodIP = null;
        pod.Status.PodIPs = [new V1PodIP { Ip = "10.1.0.7" }, new V1PodIP { Ip = "fd00::7" }];

        Assert.Equal("10.1.0.7", ServiceEntryPods.ToEndpoint(pod, Entry().Spec, null, null, "Kubernetes")!.Address);
    }
}
