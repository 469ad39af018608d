using k8s;
using k8s.Models;

namespace Mesh.Registries.Kubernetes;

/// <summary>
/// The last known objects of one kind, keyed "namespace/name" (or "name" for cluster-scoped kinds).
/// Owned by the registry's loop: not thread-safe.
/// </summary>
public sealed class ResourceCache<T> where T : IKubernetesObject<V1ObjectMeta>
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);

    public int Count => _items.Count;

    public IEnumerable<T> Values => _items.Values;

    public static string KeyOf(T obj) => Key(obj.Metadata?.NamespaceProperty, obj.Metadata?.Name ?? "");

    public static string Key(string? @namespace, string name) => string.IsNullOrEmpty(@namespace) ? name : $"{@namespace}/{name}";

    public T? Get(string key) => _items.GetValueOrDefault(key);

    /// <summary>Applies a change; returns each object it touched as (before, after), null for absent.</summary>
    public List<(T? Before, T? After)> Apply(ResourceChange<T> change)
    {
        var touched = new List<(T?, T?)>();
        switch (change.Kind)
        {
            case ResourceChangeKind.Upserted:
                foreach (var obj in change.Objects)
                {
                    var key = KeyOf(obj);
                    touched.Add((_items.GetValueOrDefault(key), obj));
                    _items[key] = obj;
                }
                break;
            case ResourceChangeKind.Deleted:
                foreach (var obj in change.Objects)
                    if (_items.Remove(KeyOf(obj), out var old)) touched.Add((old, default));
                break;
            case ResourceChangeKind.Relisted:
                var fresh = change.Objects.ToDictionary(KeyOf, StringComparer.Ordinal);
                foreach (var (key, old) in _items)
                    touched.Add((old, fresh.GetValueOrDefault(key)));
                foreach (var (key, obj) in fresh)
                    if (!_items.ContainsKey(key)) touched.Add((default, obj));
                _items.Clear();
                foreach (var (key, obj) in fresh) _items[key] = obj;
                break;
        }
        return touched;
    }
}
