using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Mesh.Silo.Clustering;

/// <summary>How a conditional write ended: it was applied, lost a race (409), or found nothing to write to (404).</summary>
internal enum WriteOutcome
{
    Done,
    Conflict,
    Missing,
}

/// <summary>
/// The API calls of the membership table, one namespace's MeshSilo and MeshClusterVersion objects.
/// Every call has a deadline (<see cref="KubernetesMembershipOptions.RequestTimeout"/>): Orleans
/// waits on membership calls, and an API server that accepts connections but never answers would
/// otherwise hold a silo's start or its failure detection until the HTTP client's own 100 s. 404 and
/// 409 are outcomes the table acts on; everything else becomes a <see cref="KubernetesMembershipException"/>.
/// </summary>
internal sealed class MembershipStore(IKubernetes client, KubernetesMembershipOptions options, TimeProvider time)
{
    public string Namespace => options.Namespace;

    public Task<T?> GetAsync<T>(string plural, string name, CancellationToken cancellationToken) where T : class =>
        CallAsync<T?>("read", plural, name, async ct =>
        {
            try { return await client.CustomObjects.GetNamespacedCustomObjectAsync<T>(MembershipKinds.Group, MembershipKinds.Version, Namespace, plural, name, ct); }
            catch (HttpOperationException e) when (Status(e) == HttpStatusCode.NotFound) { return null; }
        }, cancellationToken);

    public Task<IList<MeshSiloResource>> ListSilosAsync(string labelSelector, CancellationToken cancellationToken) =>
        CallAsync("list", MembershipKinds.SiloPlural, labelSelector, async ct =>
        {
            var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<MeshSiloResourceList>(
                MembershipKinds.Group, MembershipKinds.Version, Namespace, MembershipKinds.SiloPlural, labelSelector: labelSelector, cancellationToken: ct);
            return list.Items ?? [];
        }, cancellationToken);

    /// <summary>Creates the object; null when one of that name exists (409 AlreadyExists).</summary>
    public Task<T?> CreateAsync<T>(string plural, T body, CancellationToken cancellationToken) where T : class, IKubernetesObject<V1ObjectMeta> =>
        CallAsync<T?>("create", plural, body.Metadata.Name, async ct =>
        {
            try { return await client.CustomObjects.CreateNamespacedCustomObjectAsync<T>(body, MembershipKinds.Group, MembershipKinds.Version, Namespace, plural, cancellationToken: ct); }
            catch (HttpOperationException e) when (Status(e) == HttpStatusCode.Conflict) { return null; }
        }, cancellationToken);

    /// <summary>Replaces the object if its resourceVersion is still the one in <paramref name="body"/>'s metadata.</summary>
    public Task<(WriteOutcome Outcome, T? Written)> ReplaceAsync<T>(string plural, T body, CancellationToken cancellationToken) where T : class, IKubernetesObject<V1ObjectMeta> =>
        CallAsync<(WriteOutcome, T?)>("replace", plural, body.Metadata.Name, async ct =>
        {
            try
            {
                var written = await client.CustomObjects.ReplaceNamespacedCustomObjectAsync<T>(
                    body, MembershipKinds.Group, MembershipKinds.Version, Namespace, plural, body.Metadata.Name, cancellationToken: ct);
                return (WriteOutcome.Done, written);
            }
            catch (HttpOperationException e) when (Status(e) == HttpStatusCode.Conflict) { return (WriteOutcome.Conflict, null); }
            catch (HttpOperationException e) when (Status(e) == HttpStatusCode.NotFound) { return (WriteOutcome.Missing, null); }
        }, cancellationToken);

    /// <summary>Deletes the object, only if still at <paramref name="resourceVersion"/> when one is given.</summary>
    public Task<WriteOutcome> DeleteAsync(string plural, string name, string? resourceVersion, CancellationToken cancellationToken) =>
        CallAsync("delete", plural, name, async ct =>
        {
            var preconditions = resourceVersion is null ? null : new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = resourceVersion } };
            try
            {
                await client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                    MembershipKinds.Group, MembershipKinds.Version, Namespace, plural, name, body: preconditions, cancellationToken: ct);
                return WriteOutcome.Done;
            }
            catch (HttpOperationException e) when (Status(e) == HttpStatusCode.Conflict) { return WriteOutcome.Conflict; }
            catch (HttpOperationException e) when (Status(e) == HttpStatusCode.NotFound) { return WriteOutcome.Missing; }
        }, cancellationToken);

    private async Task<T> CallAsync<T>(string verb, string plural, string name, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(options.RequestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var what = $"{verb} of {plural} {name} in namespace {Namespace}";
        try
        {
            return await call(linked.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Our deadline, or the HTTP client's own timeout when it is the shorter one.
            throw new KubernetesMembershipException($"The Kubernetes API server at {client.BaseUri} did not answer the {what} within {options.RequestTimeout.TotalSeconds:0.###} s", e);
        }
        catch (HttpRequestException e)
        {
            throw new KubernetesMembershipException($"The Kubernetes API server at {client.BaseUri} could not be reached for the {what}: {e.Message}", e);
        }
        catch (HttpOperationException e)
        {
            throw new KubernetesMembershipException($"The Kubernetes API server refused the {what}: {Describe(e)}{Hint(Status(e), plural)}", e);
        }
        catch (JsonException e)
        {
            throw new KubernetesMembershipException($"The Kubernetes API server's answer to the {what} could not be read: {e.Message}", e);
        }
    }

    private static HttpStatusCode? Status(HttpOperationException e) => e.Response?.StatusCode;

    private static string Describe(HttpOperationException e)
    {
        var code = Status(e) is { } status ? $"{(int)status} {status}" : "no status";
        try
        {
            // The API server's Status object says why (which RBAC verb, which resource) in its message.
            if (e.Response?.Content is { Length: > 0 } content && JsonDocument.Parse(content).RootElement.TryGetProperty("message", out var message))
                return $"{code}: {message.GetString()}";
        }
        catch (JsonException) { }
        return code;
    }

    private static string Hint(HttpStatusCode? status, string plural) => status switch
    {
        HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized =>
            $" (the silo's service account needs get, list, create, update and delete on {plural}.{MembershipKinds.Group}; see deploy/kubernetes/membership-crds.yaml)",
        HttpStatusCode.NotFound =>
            $" (is the CRD {plural}.{MembershipKinds.Group} installed, from deploy/kubernetes/membership-crds.yaml, and does the namespace exist?)",
        _ => "",
    };
}
