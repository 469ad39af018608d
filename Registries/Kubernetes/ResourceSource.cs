using k8s;
using k8s.Models;

namespace Mesh.Registries.Kubernetes;

/// <summary>One list response: the objects and the resourceVersion a watch resumes from.</summary>
public sealed record ResourceList<T>(IReadOnlyList<T> Items, string ResourceVersion);

/// <summary>
/// How to list and watch one kind of object, as two calls the <see cref="ResourceWatcher{T}"/>
/// drives. Any resource path fits: the built-in kinds below, or custom resources (Istio's
/// config kinds) through the client's CustomObjects calls.
/// </summary>
/// <param name="Kind">For logs and status, e.g. "Service".</param>
/// <param name="ListAsync">Lists every object now (no resourceVersion: a consistent, current read).</param>
/// <param name="WatchAsync">
/// Watches from a resourceVersion with bookmarks; watch ERROR events (a Status, such as 410 Gone)
/// reach the error callback, not the stream.
/// </param>
public sealed record ResourceSource<T>(
    string Kind,
    Func<CancellationToken, Task<ResourceList<T>>> ListAsync,
    Func<string, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Object)>> WatchAsync)
    where T : IKubernetesObject<V1ObjectMeta>;
