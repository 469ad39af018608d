using System.Text;
using System.Text.Json;
using Mesh.Api.Model;
using Mesh.Api.Yaml;
using Mesh.Registries.Config;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// The last good config of each Istio custom resource of one cluster, by the same rule as the
/// YAML directory's FileConfigStore: a CR whose new version fails validation keeps serving its
/// previous valid version, and its errors are reported until it is fixed or deleted. Each CR's
/// JSON (valid YAML) goes through <see cref="ConfigParser"/>, named by its origin
/// (kubernetes://cluster/apis/group/version/namespaces/ns/plural/name), so errors name the object,
/// the field and the value exactly as for files. A CR is parsed again only when its
/// resourceVersion changed, so a relist of unchanged objects yields the same instances and the
/// aggregator sees nothing to push. Not thread-safe: the source's loop owns it.
/// </summary>
public sealed class CrdConfigStore(string clusterId)
{
    private readonly SortedDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>"kubernetes://cluster": the prefix of every origin, and the source's name.</summary>
    public string Prefix => $"kubernetes://{clusterId}";

    public string OriginOf(CrdKind kind, IstioResource resource) =>
        Prefix + kind.PathOf(resource.Metadata?.NamespaceProperty, resource.Metadata?.Name ?? "");

    /// <summary>Applies a watcher's change of one kind; returns whether what is served or reported changed.</summary>
    public bool Apply(CrdKind kind, ResourceChange<IstioResource> change)
    {
        var changed = false;
        switch (change.Kind)
        {
            case ResourceChangeKind.Upserted:
                foreach (var resource in change.Objects) changed |= Upsert(kind, resource);
                break;
            case ResourceChangeKind.Deleted:
                foreach (var resource in change.Objects) changed |= _entries.Remove(OriginOf(kind, resource));
                break;
            case ResourceChangeKind.Relisted:
                var fresh = change.Objects.Select(r => OriginOf(kind, r)).ToHashSet(StringComparer.Ordinal);
                foreach (var gone in _entries.Where(e => e.Value.Kind == kind && !fresh.Contains(e.Key)).Select(e => e.Key).ToList())
                    changed |= _entries.Remove(gone);
                foreach (var resource in change.Objects) changed |= Upsert(kind, resource);
                break;
        }
        return changed;
    }

    /// <summary>What the cluster's CRs serve and what they had rejected, in a stable order.</summary>
    public ConfigSourceState Snapshot() => new(
        [.. _entries.Values.Select(e => e.Served).OfType<ConfigObject>()],
        [.. _entries.Values.SelectMany(e => e.Errors)]);

    private bool Upsert(CrdKind kind, IstioResource resource)
    {
        var origin = OriginOf(kind, resource);
        var version = resource.Metadata?.ResourceVersion ?? "";
        var previous = _entries.GetValueOrDefault(origin);
        if (previous is not null && version.Length > 0 && previous.ResourceVersion == version) return false;
        var parsed = ConfigParser.Parse(origin, ToDocument(kind, resource));
        // The document is generated, so its lines and document index mean nothing to whoever reads the error.
        var errors = parsed.Errors.Select(e => e with { DocumentIndex = -1, Line = null, Column = null }).ToList();
        var accepted = errors.Count == 0 ? parsed.Objects.FirstOrDefault() : null;
        var served = accepted is null
            ? previous?.Served
            : accepted with { Meta = accepted.Meta with { Origin = new ConfigOrigin(origin, -1) } };
        _entries[origin] = new Entry(kind, version, served, errors);
        return true;
    }

    /// <summary>
    /// The CR as a config document: the table's apiVersion and kind, the metadata the parser reads
    /// (the API server's own fields, such as finalizers or ownerReferences, are not config), spec,
    /// and status (a WorkloadEntry's Healthy condition).
    /// </summary>
    public static string ToDocument(CrdKind kind, IstioResource resource)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("apiVersion", kind.ApiVersion);
            json.WriteString("kind", kind.Kind);
            json.WriteStartObject("metadata");
            json.WriteString("name", resource.Metadata?.Name ?? "");
            if (resource.Metadata?.NamespaceProperty is { Length: > 0 } ns) json.WriteString("namespace", ns);
            if (resource.Metadata?.Labels is { Count: > 0 } labels)
            {
                json.WriteStartObject("labels");
                foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            if (resource.Spec is { } spec)
            {
                json.WritePropertyName("spec");
                spec.WriteTo(json);
            }
            if (resource.Status is { ValueKind: JsonValueKind.Object } status)
            {
                json.WritePropertyName("status");
                status.WriteTo(json);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private sealed record Entry(CrdKind Kind, string ResourceVersion, ConfigObject? Served, IReadOnlyList<ConfigError> Errors);
}
