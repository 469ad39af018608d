using Grpc.Core;
using Mesh.Api.Model;
using Mesh.Grains.Abstractions;
using Mesh.Registries.Config;
using Mesh.Registries.Vm;

namespace Mesh.Silo.Vm;

/// <summary>The bootstrap key and the grace period of auto-registered entries (Istio's PILOT_WORKLOAD_ENTRY_GRACE_PERIOD).</summary>
public sealed record AutoRegistrationOptions(byte[] Key, TimeSpan GracePeriod);

/// <summary>Who opened a stream, as far as the transport tells: its bearer token and peer address.</summary>
public sealed record StreamCaller(string? Authorization, string? Peer)
{
    public string? BearerToken =>
        Authorization is { } a && a.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? a["Bearer ".Length..].Trim() : null;

    /// <summary>The IP of a gRPC peer string ("ipv4:10.0.0.5:41234", "ipv6:[::1]:41234").</summary>
    public string? PeerIp
    {
        get
        {
            if (Peer is null) return null;
            var colon = Peer.IndexOf(':');
            var rest = colon < 0 ? Peer : Peer[(colon + 1)..];
            if (rest.StartsWith('[')) return rest[1..rest.IndexOf(']')];
            var last = rest.LastIndexOf(':');
            return last > 0 ? rest[..last] : rest;
        }
    }
}

/// <summary>
/// Istio's auto-registration at the stream's door: a proxy whose node metadata names a WorkloadGroup
/// (AUTO_REGISTER_GROUP) must present a bootstrap token for that group; it then gets a WorkloadEntry
/// made from the group, kept while any of its streams is connected to any silo.
/// </summary>
public sealed partial class AutoRegistration(
    AutoRegistrationOptions options,
    IConfigView config,
    IGrainFactory grains,
    TimeProvider time,
    ILogger<AutoRegistration> logger)
{
    public const string GroupMetadata = "AUTO_REGISTER_GROUP";

    public TimeSpan GracePeriod => options.GracePeriod;

    /// <summary>The proxy's entry lease, or null for a proxy that does not auto-register. Throws PermissionDenied when it may not.</summary>
    public async Task<WorkloadLease?> RegisterAsync(ProxyIdentity proxy, StreamCaller caller, CancellationToken cancel)
    {
        if (!proxy.Metadata.TryGetValue(GroupMetadata, out var groupName) || groupName.Length == 0) return null;
        var ns = proxy.Namespace ?? "default";
        var group = config.Current.WorkloadGroups.FirstOrDefault(g => g.Meta.Namespace == ns && g.Meta.Name == groupName);
        if (group is null) Deny(proxy, $"WorkloadGroup {ns}/{groupName} does not exist");
        var check = BootstrapToken.Verify(options.Key, caller.BearerToken, ns, groupName, time.GetUtcNow());
        if (!check.Valid) Deny(proxy, check.Error!);
        var address = AddressOf(proxy, caller);
        if (address is null) Deny(proxy, "no address: send INSTANCE_IPS node metadata");

        var workload = Workload(group!, address!);
        var lease = new WorkloadLease(grains.GetGrain<IWorkloadEntryGrain>(IWorkloadEntryGrain.KeyOf(ns, workload.Name)),
            $"{proxy.Silo}/{proxy.ProxyId}/{Guid.NewGuid():N}", workload, options.GracePeriod, time, logger);
        await lease.StartAsync(cancel);
        LogRegistered(logger, Xds.LogText.Safe(proxy.ProxyId, 256), ns, workload.Name, Xds.LogText.Safe(groupName, 256), address!);
        return lease;
    }

    /// <summary>A token for joining a group, for meshctl; null when the group is not served.</summary>
    public (string Token, DateTimeOffset ExpiresAt)? Issue(string ns, string group, TimeSpan ttl)
    {
        if (!config.Current.WorkloadGroups.Any(g => g.Meta.Namespace == ns && g.Meta.Name == group)) return null;
        var expires = time.GetUtcNow() + ttl;
        return (BootstrapToken.Issue(options.Key, new BootstrapClaims(ns, group, expires.ToUnixTimeSeconds())), expires);
    }

    /// <summary>
    /// Istio's entry from a group: the template with the proxy's address. Labels come from the
    /// group alone (its metadata, then the template's): a token for one group must not let a proxy
    /// label itself into another service's selector.
    /// </summary>
    public static AutoRegisteredWorkload Workload(WorkloadGroup group, string address)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in group.Spec.Metadata.Labels) labels[k] = v;
        foreach (var (k, v) in group.Spec.Template.Labels) labels[k] = v;
        var annotations = new SortedDictionary<string, string>(group.Spec.Metadata.Annotations.ToDictionary(), StringComparer.Ordinal);
        var t = group.Spec.Template;
        return new AutoRegisteredWorkload(group.Meta.Namespace, AutoRegistrationFiles.EntryName(group.Meta.Name, address), group.Meta.Name,
            address, labels, annotations, t.Ports, t.Network, t.Locality, t.Weight, t.ServiceAccount, group.Spec.Probe is not null);
    }

    private static string? AddressOf(ProxyIdentity proxy, StreamCaller caller)
    {
        if (proxy.Metadata.TryGetValue("INSTANCE_IPS", out var ips))
            foreach (var ip in ips.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                if (System.Net.IPAddress.TryParse(ip, out _)) return ip;
        return caller.PeerIp;
    }

    private void Deny(ProxyIdentity proxy, string reason)
    {
        LogDenied(logger, Xds.LogText.Safe(proxy.ProxyId, 256), Xds.LogText.Safe(reason, 512));
        throw new RpcException(new Status(StatusCode.PermissionDenied, $"auto-registration refused: {reason}"));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Proxy {ProxyId} auto-registered as WorkloadEntry {Namespace}/{Name} (group {Group}, address {Address})")]
    private static partial void LogRegistered(ILogger logger, string proxyId, string @namespace, string name, string group, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy {ProxyId} refused auto-registration: {Reason}")]
    private static partial void LogDenied(ILogger logger, string proxyId, string reason);
}
