using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Mesh.Grains.Abstractions;
using Mesh.Registries.Vm;
using Microsoft.Extensions.Logging;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// Auto-registered WorkloadEntries as custom resources in the API server, where Istio keeps them:
/// used when the silo reads Istio CRs from the cluster, whose config directory is then usually a
/// read-only ConfigMap mount. The CRD config source serves the entries like any other CR. The
/// Healthy condition is written through the /status subresource, since Istio's CRDs declare it
/// and the API server drops status from writes to the main resource.
/// </summary>
public sealed partial class KubernetesAutoRegistrationStore(IKubernetes client, ILogger<KubernetesAutoRegistrationStore> logger)
    : IAutoRegistrationStore, IAutoRegisteredEntries
{
    private static readonly CrdKind Kind = IstioCrdKinds.All.Single(k => k.Kind == "WorkloadEntry");

    public string Location => $"/apis/{Kind.Group}/{Kind.Version}/{Kind.Plural}";

    public async Task WriteAsync(AutoRegisteredWorkload workload, WorkloadHealthReport? health)
    {
        var doc = AutoRegisteredEntryDocument.Build(workload, health);
        var status = doc["status"];
        doc.Remove("status");
        // One retry on 409: another write (an earlier one of ours, or a user's edit) came between the GET and the PUT.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var written = await CreateOrReplaceAsync(workload.Namespace, workload.Name, doc);
                if (status is not null || written.Status is not null)
                {
                    // Status replaces as a whole: a null status clears a stale condition of an earlier probe config.
                    written.Status = status is null ? null : JsonSerializer.Deserialize<JsonElement>(status.ToJsonString());
                    await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<IstioResource>(
                        written, Kind.Group, Kind.Version, workload.Namespace, Kind.Plural, workload.Name);
                }
                LogWritten(logger, workload.Namespace, workload.Name, health?.Healthy);
                return;
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Conflict && attempt == 0)
            {
                LogConflict(logger, workload.Namespace, workload.Name);
            }
        }
    }

    private async Task<IstioResource> CreateOrReplaceAsync(string ns, string name, System.Text.Json.Nodes.JsonObject doc)
    {
        var resource = KubernetesJson.Deserialize<IstioResource>(doc.ToJsonString());
        var existing = await GetAsync(ns, name);
        if (existing is null)
            return await client.CustomObjects.CreateNamespacedCustomObjectAsync<IstioResource>(resource, Kind.Group, Kind.Version, ns, Kind.Plural);
        // The resourceVersion makes the PUT conditional: a change since the GET is a 409, not lost.
        resource.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        return await client.CustomObjects.ReplaceNamespacedCustomObjectAsync<IstioResource>(resource, Kind.Group, Kind.Version, ns, Kind.Plural, name);
    }

    public async Task DeleteAsync(string ns, string name)
    {
        try
        {
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(Kind.Group, Kind.Version, ns, Kind.Plural, name);
            LogDeleted(logger, ns, name);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone (a user deleted it, or an earlier attempt did): the outcome asked for.
        }
    }

    public async Task<WorkloadHealthReport?> ReadHealthAsync(string ns, string name) =>
        AutoRegisteredEntryDocument.ReadHealth((await GetAsync(ns, name))?.Status);

    /// <summary>Every namespace's WorkloadEntries annotated as ours; entries of Istio or of users are not touched.</summary>
    public async Task<IReadOnlyList<(string Namespace, string Name)>> ListAsync()
    {
        var list = await client.CustomObjects.ListClusterCustomObjectAsync<IstioResourceList>(Kind.Group, Kind.Version, Kind.Plural);
        return [.. (list.Items ?? [])
            .Where(r => r.Metadata.Annotations?.TryGetValue(AutoRegistrationAnnotations.Controller, out var c) == true && c == AutoRegistrationAnnotations.ControllerName)
            .Select(r => (r.Metadata.NamespaceProperty ?? "", r.Metadata.Name))
            .OrderBy(e => e.Item1, StringComparer.Ordinal).ThenBy(e => e.Item2, StringComparer.Ordinal)];
    }

    private async Task<IstioResource?> GetAsync(string ns, string name)
    {
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<IstioResource>(Kind.Group, Kind.Version, ns, Kind.Plural, name);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Auto-registered WorkloadEntry {Namespace}/{Name} written to the API server (healthy: {Healthy})")]
    private static partial void LogWritten(ILogger logger, string @namespace, string name, bool? healthy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Auto-registered WorkloadEntry {Namespace}/{Name} changed while being written (409); retrying once")]
    private static partial void LogConflict(ILogger logger, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Auto-registered WorkloadEntry {Namespace}/{Name} deleted from the API server")]
    private static partial void LogDeleted(ILogger logger, string @namespace, string name);
}
