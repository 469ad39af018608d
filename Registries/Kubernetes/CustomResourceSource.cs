using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// List and watch of one Istio kind through the client's custom-object calls, for a
/// <see cref="ResourceWatcher{T}"/>. A kind whose CRD is not installed (404) is not a failure: it
/// lists as empty, the watch then waits <c>notInstalledRetry</c> and looks again, so the watcher
/// sees a quiet watch that ended rather than an error (no back-off, no Disconnected), and the
/// log says so once. When the CRD appears, its objects arrive as ADDED events and the real watch
/// starts from the list's resourceVersion; when it goes away, the failed watch relists to empty.
/// </summary>
public sealed partial class CustomResourceSource(
    CrdKind kind,
    IKubernetes client,
    TimeSpan watchTimeout,
    TimeSpan notInstalledRetry,
    Random random,
    TimeProvider time,
    ILogger logger)
{
    private const int Unknown = 0, Yes = 1, No = 2;

    // Read by status pages from other threads.
    private volatile int _installed = Unknown;

    public CrdKind Kind => kind;

    /// <summary>Whether the API server serves the kind: null before the first answer.</summary>
    public bool? Installed => _installed switch { Yes => true, No => false, _ => null };

    public ResourceSource<IstioResource> Source => new(kind.Kind, ListAsync, WatchAsync);

    private async Task<ResourceList<IstioResource>> ListAsync(CancellationToken ct) =>
        await TryListAsync(ct) ?? new ResourceList<IstioResource>([], "");

    private async Task<ResourceList<IstioResource>?> TryListAsync(CancellationToken ct)
    {
        try
        {
            using var response = await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<IstioResourceList>(
                kind.Group, kind.Version, kind.Plural, cancellationToken: ct);
            MarkInstalled(true);
            return new ResourceList<IstioResource>([.. response.Body.Items ?? []], response.Body.Metadata?.ResourceVersion ?? "");
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            MarkInstalled(false);
            return null;
        }
    }

    private async IAsyncEnumerable<(WatchEventType Type, IstioResource Object)> WatchAsync(
        string resourceVersion, Action<Exception> onError, [EnumeratorCancellation] CancellationToken ct)
    {
        if (_installed == No)
        {
            await Task.Delay(notInstalledRetry, time, ct);
            if (await TryListAsync(ct) is not { } list) yield break;
            foreach (var item in list.Items) yield return (WatchEventType.Added, item);
            resourceVersion = list.ResourceVersion;
        }
        var events = client.CustomObjects.WatchListClusterCustomObjectAsync(
            kind.Group, kind.Version, kind.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion,
            timeoutSeconds: KubernetesSources.Timeout(watchTimeout, random), onError: onError, cancellationToken: ct);
        // The client hands custom objects over as untyped JSON; ERROR events (a Status) went to onError already.
        await foreach (var (type, obj) in events)
            if (obj is JsonElement json && KubernetesJson.Deserialize<IstioResource>(json.GetRawText()) is { } resource)
                yield return (type, resource);
    }

    private void MarkInstalled(bool installed)
    {
        var before = _installed;
        var now = installed ? Yes : No;
        if (before == now) return;
        _installed = now;
        if (!installed) LogNotInstalled(logger, kind.Kind, kind.ApiVersion, (long)notInstalledRetry.TotalSeconds);
        else if (before == No) LogInstalled(logger, kind.Kind, kind.ApiVersion);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubernetes {Kind} ({ApiVersion}): CRD not installed; serving none, checking again every {RetrySeconds} s")]
    private static partial void LogNotInstalled(ILogger logger, string kind, string apiVersion, long retrySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubernetes {Kind} ({ApiVersion}): CRD installed; reading its objects")]
    private static partial void LogInstalled(ILogger logger, string kind, string apiVersion);
}
