using System.Collections.Immutable;
using Mesh.Api.Xds;
using Mesh.Grains.Abstractions;

namespace Mesh.Silo.Push;

/// <summary>
/// One derivation of a snapshot from the previous one and the hosts that changed. Touches only
/// those hosts' resources (and the route tables of the ports whose virtual hosts changed), and
/// records which names ended up with a different version: the flush's diff, with no full scan.
/// Resource names are unique to their host except the outbound listener "0.0.0.0_&lt;port&gt;",
/// which every host with that port emits: of those, a host with an HTTP port there is served
/// (its listener routes by the port's route table), else the last host in name order, as a
/// build from scratch in host order gives.
/// </summary>
internal sealed class SnapshotUpdate(ResourceSnapshot from)
{
    private readonly Dictionary<string, ImmutableSortedDictionary<string, XdsResource>.Builder> _types = new(StringComparer.Ordinal);
    private readonly ImmutableDictionary<string, ulong>.Builder _hashes = from.Index.TypeHashes.ToBuilder();
    private readonly ImmutableDictionary<string, ImmutableSortedDictionary<string, XdsResource>>.Builder _listeners = from.Index.PortListeners.ToBuilder();
    private readonly ImmutableSortedDictionary<string, ServiceFragments>.Builder _hosts = from.Index.Hosts.ToBuilder();
    private readonly ImmutableDictionary<string, LocalityPolicy>.Builder _localities = from.Localities.ToBuilder();
    private readonly Dictionary<string, HashSet<string>> _touched = new(StringComparer.Ordinal);
    private readonly HashSet<string> _listenersTouched = new(StringComparer.Ordinal);
    private bool _hostsChanged;

    public void Host(ServiceFragments change)
    {
        Dictionary<string, XdsResource>? oldListeners = null, newListeners = null;
        if (_hosts.TryGetValue(change.Host, out var old))
        {
            if (ReferenceEquals(old, change)) return;
            foreach (var r in old.Resources)
                if (IsPortListener(r)) (oldListeners ??= new(StringComparer.Ordinal))[r.Name] = r;
                else Unset(r);
            foreach (var name in old.Localities?.Keys ?? []) _localities.Remove(name);
        }
        _hostsChanged = true;
        if (change.Removed)
        {
            _hosts.Remove(change.Host);
        }
        else
        {
            _hosts[change.Host] = change;
            foreach (var r in change.Resources)
                if (IsPortListener(r)) (newListeners ??= new(StringComparer.Ordinal))[r.Name] = r;
                else Set(r);
            foreach (var (name, policy) in change.Localities ?? ImmutableDictionary<string, LocalityPolicy>.Empty) _localities[name] = policy;
        }
        // Only a listener this host adds, drops or changes is looked at again: an endpoint edit of
        // one host must not walk the thousand hosts that share its port's listener.
        foreach (var (name, r) in oldListeners ?? [])
            if (newListeners?.GetValueOrDefault(name)?.Version != r.Version) Contribute(change.Host, name, null);
        foreach (var (name, r) in newListeners ?? [])
            if (oldListeners?.GetValueOrDefault(name)?.Version != r.Version) Contribute(change.Host, name, r);
    }

    public (ResourceSnapshot Snapshot, ImmutableDictionary<string, ImmutableHashSet<string>> Changed) Finish(
        IReadOnlyList<Mesh.Api.Model.Sidecar> sidecars, SidecarResources composer)
    {
        var (byPort, composed) = ComposePorts(composer);
        foreach (var name in _listenersTouched) ServeListener(name);
        var changed = ImmutableDictionary.CreateBuilder<string, ImmutableHashSet<string>>(StringComparer.Ordinal);
        var byType = from.ByType.ToBuilder();
        var versions = from.TypeVersions.ToBuilder();
        foreach (var (type, builder) in _types)
        {
            var before = from.OfType(type);
            var names = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
            foreach (var name in _touched.GetValueOrDefault(type) ?? [])
            {
                var had = before.TryGetValue(name, out var b) ? b.Version : null;
                var has = builder.TryGetValue(name, out var a) ? a.Version : null;
                if (had != has) names.Add(name);
            }
            // Nothing of the type changed version (a host re-derived the same resources): keep the shared instance.
            if (names.Count == 0) continue;
            changed[type] = names.ToImmutable();
            if (builder.Count == 0)
            {
                byType.Remove(type);
                versions.Remove(type);
                _hashes.Remove(type);
                continue;
            }
            byType[type] = builder.ToImmutable();
            versions[type] = TypeVersion.Format(_hashes[type]);
        }
        var hosts = _hosts.ToImmutable();
        var snapshot = new ResourceSnapshot(byType.ToImmutable(), versions.ToImmutable(),
            _hostsChanged ? [.. hosts.Values] : from.Hosts, sidecars)
        {
            Localities = _localities.ToImmutable(),
            Index = new SnapshotIndex(hosts, _hashes.ToImmutable(), _listeners.ToImmutable(), byPort, composed),
        };
        return (snapshot, changed.ToImmutable());
    }

    /// <summary>Recomposes the route table of every port one of whose virtual hosts changed; the others stay as they were.</summary>
    private (ImmutableDictionary<uint, ImmutableSortedDictionary<string, XdsResource>>, ImmutableDictionary<uint, ComposedRoutes>) ComposePorts(
        SidecarResources composer)
    {
        var byPort = from.Index.VirtualHostsByPort.ToBuilder();
        var composed = from.Index.ComposedByPort.ToBuilder();
        if (!_types.TryGetValue(ResourceTypes.VirtualHost, out var vhosts)) return (byPort.ToImmutable(), composed.ToImmutable());
        var ports = new SortedSet<uint>();
        foreach (var name in _touched[ResourceTypes.VirtualHost])
        {
            if (SidecarResources.PortOf(name) is not { } port) continue;
            var current = byPort.TryGetValue(port, out var p) ? p : ImmutableSortedDictionary<string, XdsResource>.Empty.WithComparers(StringComparer.Ordinal);
            var has = vhosts.TryGetValue(name, out var r) ? r : null;
            var had = current.TryGetValue(name, out var w) ? w : null;
            if (had?.Version == has?.Version) continue;
            var next = has is null ? current.Remove(name) : current.SetItem(name, has);
            ports.Add(port);
            if (next.Count == 0) byPort.Remove(port);
            else byPort[port] = next;
        }
        foreach (var port in ports)
        {
            if (composed.TryGetValue(port, out var old)) Unset(old.Routes);
            if (byPort.TryGetValue(port, out var hosts))
            {
                var fresh = composer.ComposePort(port, hosts.Values);
                Set(fresh.Routes);
                composed[port] = fresh;
            }
            else
            {
                composed.Remove(port);
            }
        }
        return (byPort.ToImmutable(), composed.ToImmutable());
    }

    private void ServeListener(string name)
    {
        var port = SidecarResources.ListenerPort(name)!.Value;
        XdsResource? last = null, http = null;
        foreach (var (host, listener) in _listeners.GetValueOrDefault(name) ?? ImmutableSortedDictionary<string, XdsResource>.Empty)
        {
            last = listener;
            if (_hosts.TryGetValue(host, out var fragments) && fragments.Resources.Any(r => r.TypeUrl == ResourceTypes.VirtualHost && SidecarResources.PortOf(r.Name) == port))
                http = listener;
        }
        var served = http ?? last;
        var named = Type(ResourceTypes.Listener);
        if (named.TryGetValue(name, out var held))
        {
            if (ReferenceEquals(held, served)) return;
            Unset(held);
        }
        if (served is not null) Set(served);
    }

    private ImmutableSortedDictionary<string, XdsResource>.Builder Type(string type)
    {
        if (!_types.TryGetValue(type, out var builder))
            _types[type] = builder = from.OfType(type).ToBuilder();
        return builder;
    }

    private void Touch(XdsResource r)
    {
        if (!_touched.TryGetValue(r.TypeUrl, out var names)) _touched[r.TypeUrl] = names = new HashSet<string>(StringComparer.Ordinal);
        names.Add(r.Name);
    }

    private static bool IsPortListener(XdsResource r) => r.TypeUrl == ResourceTypes.Listener && SidecarResources.ListenerPort(r.Name) is not null;

    /// <summary>The host's listener of that name (null: none any more), among the hosts that emit it.</summary>
    private void Contribute(string host, string name, XdsResource? listener)
    {
        var by = _listeners.TryGetValue(name, out var b) ? b : ImmutableSortedDictionary<string, XdsResource>.Empty.WithComparers(StringComparer.Ordinal);
        by = listener is null ? by.Remove(host) : by.SetItem(host, listener);
        if (by.Count == 0) _listeners.Remove(name);
        else _listeners[name] = by;
        _listenersTouched.Add(name);
    }

    private void Unset(XdsResource r)
    {
        var named = Type(r.TypeUrl);
        Touch(r);
        if (!named.TryGetValue(r.Name, out var held)) return;
        named.Remove(r.Name);
        _hashes[r.TypeUrl] = _hashes.GetValueOrDefault(r.TypeUrl) ^ TypeVersion.Of(held);
    }

    private void Set(XdsResource r)
    {
        var named = Type(r.TypeUrl);
        Touch(r);
        var hash = _hashes.GetValueOrDefault(r.TypeUrl);
        // Last one wins, as when the snapshot is built from scratch.
        if (named.TryGetValue(r.Name, out var held)) hash ^= TypeVersion.Of(held);
        named[r.Name] = r;
        _hashes[r.TypeUrl] = hash ^ TypeVersion.Of(r);
    }
}
