using System.Globalization;
using Mesh.Api.Model;
using Mesh.Api.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Registries.Updates;

/// <summary>
/// Takes out of a shard's report what a proxy would reject, before the <see cref="ShardPublisher"/>
/// compares and sends it: one such object in an xDS response makes Envoy NACK the whole response,
/// which stalls every other cluster of it. Every registry reports through here, and objects from
/// Kubernetes, Consul or a VM were never validated as config. Dropped, each on its own: a service
/// port out of 1..65535 (or repeating an earlier port's number, which would name two clusters
/// alike) or with such a targetPort; a service address that is neither an IP nor a CIDR; an
/// endpoint whose address the service's resolution cannot use (<see cref="EndpointAddresses"/>) or
/// whose port for a served service port is out of range. A service left without ports is still
/// published, with no clusters. Each drop is logged when it appears, at most once per
/// <see cref="LogInterval"/>, so a relist does not repeat it; <see cref="Dropped"/> counts what
/// is dropped now. Not thread-safe, like the publisher, except <see cref="Dropped"/>.
/// </summary>
public sealed partial class RegistryObjectFilter(ShardKey shard, ILogger? logger = null, TimeProvider? time = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, HostDrops> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<DroppedObject, long> _logged = [];
    private int _dropped;

    /// <summary>How long a drop that was logged is not logged again, should it go away and come back.</summary>
    public TimeSpan LogInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Objects dropped from what the shard serves now; readable from any thread.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    /// <summary>
    /// What the shard says about a host, less what a proxy would reject; remembers the drops until
    /// the host is reported again (withdrawing it is reporting a null service and no endpoints).
    /// </summary>
    public (MeshService? Service, IReadOnlyList<MeshEndpoint> Endpoints) Apply(string host, MeshService? service, IReadOnlyList<MeshEndpoint> endpoints)
    {
        _hosts.TryGetValue(host, out var before);
        // The publisher hands its own filtered service back when only endpoints change: its drops stay.
        var (kept, serviceDrops) = before is not null && service is not null && (ReferenceEquals(service, before.Raw) || ReferenceEquals(service, before.Kept))
            ? (before.Kept, before.Service)
            : CheckService(host, service);
        var (keptEndpoints, endpointDrops) = CheckEndpoints(host, kept, endpoints);
        var after = serviceDrops.Count + endpointDrops.Count == 0 ? null : new HostDrops(service, kept, serviceDrops, endpointDrops);
        Record(host, before, after);
        return (kept, keptEndpoints);
    }

    /// <summary>A full relist: hosts not in it are withdrawn by the publisher, and their drops forgotten here.</summary>
    public IReadOnlyList<(string Host, MeshService? Service, IReadOnlyList<MeshEndpoint> Endpoints)> Relisted(
        IEnumerable<(string Host, MeshService? Service, IReadOnlyList<MeshEndpoint> Endpoints)> hosts)
    {
        var listed = hosts.ToList();
        var names = listed.Select(h => h.Host).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _hosts.Keys.Where(h => !names.Contains(h)).ToList()) Record(gone, _hosts[gone], null);
        return listed;
    }

    /// <summary>The host's report less what a proxy would reject, and what that was. Pure.</summary>
    public static (MeshService? Service, IReadOnlyList<MeshEndpoint> Endpoints, IReadOnlyList<DroppedObject> Dropped) Check(
        string host, MeshService? service, IReadOnlyList<MeshEndpoint> endpoints)
    {
        var (kept, serviceDrops) = CheckService(host, service);
        var (keptEndpoints, endpointDrops) = CheckEndpoints(host, kept, endpoints);
        return (kept, keptEndpoints, [.. serviceDrops, .. endpointDrops]);
    }

    // Every relist passes each host through here: nothing is allocated unless something is dropped.
    private static (MeshService? Service, IReadOnlyList<DroppedObject> Dropped) CheckService(string host, MeshService? service)
    {
        if (service is null) return (null, []);
        List<DroppedObject>? dropped = null;
        for (var i = 0; i < service.Ports.Count; i++)
            if (PortProblem(host, service.Ports, i) is { } problem) (dropped ??= []).Add(problem);
        for (var i = 0; i < service.Addresses.Count; i++)
            if (!EndpointAddresses.IsServiceAddress(service.Addresses[i]))
                (dropped ??= []).Add(new(host, $"addresses[{i}]", service.Addresses[i], "a service address must be an IP address or a CIDR"));
        if (dropped is null) return (service, []);
        return (service with
        {
            Ports = [.. service.Ports.Where((_, i) => PortProblem(host, service.Ports, i) is null)],
            Addresses = [.. service.Addresses.Where(EndpointAddresses.IsServiceAddress)],
        }, dropped);
    }

    /// <summary>Port i out of range, or repeating the number of an earlier port in range (which is kept).</summary>
    private static DroppedObject? PortProblem(string host, IReadOnlyList<ServicePort> ports, int i)
    {
        var port = ports[i];
        if (!IsPort(port.Number)) return new(host, $"ports[{i}].number", Text(port.Number), PortRange);
        if (!InRange(port)) return new(host, $"ports[{i}].targetPort", Text(port.TargetPort!.Value), PortRange);
        for (var j = 0; j < i; j++)
            if (ports[j].Number == port.Number && InRange(ports[j]))
                return new(host, $"ports[{i}].number", Text(port.Number), "port number is already declared: two clusters would have one name");
        return null;
    }

    private static bool InRange(ServicePort port) => IsPort(port.Number) && (port.TargetPort is not { } target || IsPort(target));

    /// <remarks>
    /// Only the ports of the service as published are checked: a mapping for a port the service
    /// does not serve never reaches a proxy. Without a service in this shard (endpoints added to a
    /// host another shard defines, such as the pods a ServiceEntry selects) every mapping is checked,
    /// and the address must be one a proxy can use without resolving it.
    /// </remarks>
    private static (IReadOnlyList<MeshEndpoint> Endpoints, IReadOnlyList<DroppedObject> Dropped) CheckEndpoints(
        string host, MeshService? service, IReadOnlyList<MeshEndpoint> endpoints)
    {
        List<MeshEndpoint>? kept = null;
        List<DroppedObject>? dropped = null;
        for (var i = 0; i < endpoints.Count; i++)
        {
            var endpoint = endpoints[i];
            var problem = AddressProblem(host, endpoint, service) ?? PortProblem(host, endpoint, service);
            if (problem is null)
            {
                kept?.Add(endpoint);
                continue;
            }
            (dropped ??= []).Add(problem);
            kept ??= [.. endpoints.Take(i)];
        }
        return (kept ?? endpoints, dropped ?? []);
    }

    private static DroppedObject? AddressProblem(string host, MeshEndpoint endpoint, MeshService? service)
    {
        var reason = service is not null
            ? EndpointAddresses.Problem(endpoint.Address, service.Resolution)
            : EndpointAddresses.Problem(endpoint.Address, ServiceResolution.Static) is null ? null
            : "an endpoint added to a host another shard defines must be an IP address or a unix:// socket";
        return reason is null ? null : new DroppedObject(host, $"endpoints[{endpoint.Address}].address", endpoint.Address, reason);
    }

    /// <summary>The first (by name) of the endpoint's ports that is out of range and would be used.</summary>
    private static DroppedObject? PortProblem(string host, MeshEndpoint endpoint, MeshService? service)
    {
        string? name = null;
        uint value = 0;
        foreach (var (n, port) in endpoint.Ports)
            if (!IsPort(port) && (service is null || service.Ports.Any(p => p.Name == n))
                && (name is null || string.CompareOrdinal(n, name) < 0))
                (name, value) = (n, port);
        return name is null ? null : new DroppedObject(host, $"endpoints[{endpoint.Address}].ports[{name}]", Text(value), PortRange);
    }

    private void Record(string host, HostDrops? before, HostDrops? after)
    {
        if (after is null) _hosts.Remove(host);
        else _hosts[host] = after;
        var change = (after?.Count ?? 0) - (before?.Count ?? 0);
        if (change != 0) Interlocked.Add(ref _dropped, change);
        if (after is null) return;
        var known = before is null ? [] : before.Service.Concat(before.Endpoints).ToHashSet();
        foreach (var drop in after.Service.Concat(after.Endpoints))
            if (!known.Contains(drop) && ShouldLog(drop))
                LogDropped(_logger, shard.ToString(), drop.Host, drop.Field, drop.Value, drop.Reason);
    }

    private bool ShouldLog(DroppedObject drop)
    {
        var now = _time.GetTimestamp();
        if (_logged.TryGetValue(drop, out var at) && _time.GetElapsedTime(at, now) < LogInterval) return false;
        // Drops fixed long ago need not be remembered; only a bad object that keeps coming back is.
        if (_logged.Count >= 4096)
            foreach (var old in _logged.Where(l => _time.GetElapsedTime(l.Value, now) >= LogInterval).Select(l => l.Key).ToList())
                _logged.Remove(old);
        _logged[drop] = now;
        return true;
    }

    private static bool IsPort(uint port) => port is >= 1 and <= 65535;

    private static string Text(uint value) => value.ToString(CultureInfo.InvariantCulture);

    private const string PortRange = "port must be in [1, 65535]";

    /// <param name="Raw">The service as the registry reported it; <paramref name="Kept"/> is what was published of it.</param>
    private sealed record HostDrops(MeshService? Raw, MeshService? Kept, IReadOnlyList<DroppedObject> Service, IReadOnlyList<DroppedObject> Endpoints)
    {
        public int Count => Service.Count + Endpoints.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Registry {Shard}: dropped {Field} = \"{Value}\" of host {Host}, which a proxy would reject: {Reason}")]
    private static partial void LogDropped(ILogger logger, string shard, string host, string field, string value, string reason);
}
