using Mesh.Registries.Kubernetes;

namespace Mesh.Registries.Tests.Kubernetes;

public sealed class KubernetesTranslatorTests
{
    [Fact]
    public void AugmentLabels_FullTopology_AddsClusterLocalityNodeAndNetwork()
    {
        var labels = KubernetesTranslator.AugmentLabels(new Dictionary<string, string> { ["app"] = "web" }, "c1", "eu/eu-1a/rack-7", "node-a", "net-1");

        Assert.Equal(new Dictionary<string, string>
        {
            ["app"] = "web",
            ["topology.istio.io/cluster"] = "c1",
            ["topology.kubernetes.io/region"] = "eu",
            ["topology.kubernetes.io/zone"] = "eu-1a",
            ["topology.istio.io/subzone"] = "rack-7",
            ["kubernetes.io/hostname"] = "node-a",
            ["topology.istio.io/network"] = "net-1",
        }, labels);
    }

    [Fact]
    public void AugmentLabels_NoTopology_AddsOnlyTheCluster()
    {
        var labels = KubernetesTranslator.AugmentLabels(new Dictionary<string, string> { ["app"] = "web" }, "c1", null, null, null);

        Assert.Equal(new Dictionary<string, string> { ["app"] = "web", ["topology.istio.io/cluster"] = "c1" }, labels);
    }

    [Fact]
    public void AugmentLabels_PodSaysOtherwise_LocalityWinsButThePodsNetworkStays()
    {
        var pod = new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = "stale", ["topology.istio.io/network"] = "pod-net" };

        var labels = KubernetesTranslator.AugmentLabels(pod, "c1", "eu/eu-1a", null, "namespace-net");

        Assert.Equal("eu-1a", labels["topology.kubernetes.io/zone"]);
        Assert.Equal("pod-net", labels["topology.istio.io/network"]);
        Assert.False(labels.ContainsKey("topology.istio.io/subzone"));
    }
}
