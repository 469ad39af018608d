using Mesh.Testing.Kubernetes;
using Xunit.Abstractions;

namespace Mesh.Cluster.Tests.Clustering;

/// <summary>
/// Three silos whose membership table is custom resources in a Kubernetes API server, and whose
/// hosts come from that cluster's Services and EndpointSlices. No API server can run here: it is the
/// in-process FakeApiServer (list/watch with resourceVersion, optimistic concurrency on replace),
/// reached by the silo processes through a kubeconfig, with the real KubernetesClient.
/// Killing the first silo kills the registry owner: another silo must take the Kubernetes watch over.
/// </summary>
public sealed class KubernetesClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillFirstSilo_KubernetesMembershipAndRegistry_WatchMovesAndNothingLostForTwoMinutes()
    {
        await using var api = await FakeApiServer.StartAsync([.. FakeResource.BuiltIn, .. FakeResource.Membership]);
        var kubeconfig = api.WriteKubeconfig(Directory.CreateTempSubdirectory("mesh-cluster-kube-").FullName);
        await new SiloLossScenario(output).RunAsync(
            ["--clustering", "kubernetes", "--kubeconfig", kubeconfig, "--membership-namespace", "mesh-system"],
            new KubernetesServices(api), victim: 0, watch: TimeSpan.FromSeconds(130));
    }
}
