using k8s;
using k8s.Models;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// The cluster-wide list and watch calls of the kinds the registry reads. Each watch asks the server
/// to end it after a jittered timeout (between half and all of the configured one, as client-go
/// jitters its own), so a silo's watches are renewed regularly and never all at the same moment.
/// </summary>
public static class KubernetesSources
{
    public static ResourceSource<V1Service> Services(IKubernetes client, TimeSpan watchTimeout, Random random) => new(
        "Service",
        async ct => From(await client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: ct)),
        (rv, onError, ct) => client.CoreV1.WatchListServiceForAllNamespacesAsync(
            allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: Timeout(watchTimeout, random), onError: onError, cancellationToken: ct));

    public static ResourceSource<V1EndpointSlice> EndpointSlices(IKubernetes client, TimeSpan watchTimeout, Random random) => new(
        "EndpointSlice",
        async ct => From(await client.DiscoveryV1.ListEndpointSliceForAllNamespacesAsync(cancellationToken: ct)),
        (rv, onError, ct) => client.DiscoveryV1.WatchListEndpointSliceForAllNamespacesAsync(
            allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: Timeout(watchTimeout, random), onError: onError, cancellationToken: ct));

    public static ResourceSource<V1Pod> Pods(IKubernetes client, TimeSpan watchTimeout, Random random) => new(
        "Pod",
        async ct => From(await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct)),
        (rv, onError, ct) => client.CoreV1.WatchListPodForAllNamespacesAsync(
            allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: Timeout(watchTimeout, random), onError: onError, cancellationToken: ct));

    public static ResourceSource<V1Node> Nodes(IKubernetes client, TimeSpan watchTimeout, Random random) => new(
        "Node",
        async ct => From(await client.CoreV1.ListNodeAsync(cancellationToken: ct)),
        (rv, onError, ct) => client.CoreV1.WatchListNodeAsync(
            allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: Timeout(watchTimeout, random), onError: onError, cancellationToken: ct));

    public static ResourceSource<V1Namespace> Namespaces(IKubernetes client, TimeSpan watchTimeout, Random random) => new(
        "Namespace",
        async ct => From(await client.CoreV1.ListNamespaceAsync(cancellationToken: ct)),
        (rv, onError, ct) => client.CoreV1.WatchListNamespaceAsync(
            allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: Timeout(watchTimeout, random), onError: onError, cancellationToken: ct));

    private static ResourceList<T> From<T>(IItems<T> list) =>
        new([.. list.Items ?? []], ((IMetadata<V1ListMeta>)list).Metadata?.ResourceVersion ?? "");

    internal static int Timeout(TimeSpan watchTimeout, Random random) =>
        Math.Max(1, (int)(watchTimeout.TotalSeconds * (0.5 + random.NextDouble() / 2)));
}
