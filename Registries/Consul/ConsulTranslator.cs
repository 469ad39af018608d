using Mesh.Api.Model;

namespace Mesh.Registries.Consul;

/// <summary>
/// One Consul service's instances to a mesh service and its endpoints, after Istio's former Consul
/// adapter (pilot/pkg/serviceregistry/consul) where it applies. Pure: the same instances always give
/// the same result, in a stable order, so a relist that changed nothing publishes nothing.
/// </summary>
public static class ConsulTranslator
{
    /// <summary>Port protocol when an instance names none; Consul's service mesh also assumes tcp.</summary>
    public const string DefaultProtocol = "TCP";

    private static readonly Dictionary<string, string> Protocols = new(StringComparer.OrdinalIgnoreCase)
    {
        ["http"] = "HTTP", ["http2"] = "HTTP2", ["grpc"] = "GRPC", ["tcp"] = "TCP", ["tls"] = "TLS", ["https"] = "HTTPS",
    };

    public static string Host(string service, ConsulOptions options) => $"{service}.{options.Domain}";

    /// <returns>Null when the service has no instances left (the host is withdrawn).</returns>
    public static (MeshService Service, IReadOnlyList<MeshEndpoint> Endpoints)? Translate(
        string name, IReadOnlyList<ConsulHealthEntry> entries, string? datacenter, ConsulOptions options)
    {
        if (entries.Count == 0) return null;
        var ordered = entries.OrderBy(e => e.Service.ID, StringComparer.Ordinal).ThenBy(e => e.Node.Node, StringComparer.Ordinal).ToList();

        // A Consul registration has exactly one port, and instances of one service often differ in it
        // (dynamic ports under Nomad). So the service gets one port, the one most instances use, and
        // each endpoint is served on its own instance's port.
        var port = ordered.GroupBy(e => e.Service.Port).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First();
        var protocol = ProtocolOf(port.First());
        var servicePort = new ServicePort((uint)port.Key, protocol, protocol.ToLowerInvariant(), null);
        // Every instance counts for the service's ports, so a service all of whose instances are
        // critical keeps its clusters (with no endpoints) instead of vanishing and coming back.
        var service = new MeshService(Host(name, options), options.Namespace, [servicePort],
            new Dictionary<string, string>(), ServiceLocation.MeshInternal, ServiceResolution.Static, []);

        var endpoints = ordered
            .Select(e => (Entry: e, Status: StatusOf(e)))
            .Where(e => e.Status == "passing" || (e.Status == "warning" && options.WarningIsPassing))
            .Select(e => ToEndpoint(e.Entry, e.Status, servicePort.Name, datacenter, options))
            .ToList();
        return (service, endpoints);
    }

    private static MeshEndpoint ToEndpoint(ConsulHealthEntry entry, string status, string portName, string? datacenter, ConsulOptions options)
    {
        var weight = status == "warning" ? entry.Service.Weights?.Warning : entry.Service.Weights?.Passing;
        return new MeshEndpoint(
            string.IsNullOrEmpty(entry.Service.Address) ? entry.Node.Address : entry.Service.Address,
            new Dictionary<string, uint> { [portName] = (uint)entry.Service.Port },
            LabelsOf(entry.Service),
            LocalityOf(entry, datacenter, options),
            // Consul's default weight is 1, the same as none: leave it unset so the assignment stays minimal.
            weight is > 1 ? (uint)weight.Value : 0,
            EndpointHealth.Healthy,
            null,
            null);
    }

    /// <summary>
    /// Tags "key=value" become labels; a plain tag "canary" becomes canary: "true", so a DestinationRule
    /// subset can select it. Service meta comes last and wins: it is Consul's own key/value form.
    /// </summary>
    public static IReadOnlyDictionary<string, string> LabelsOf(ConsulService service)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in service.Tags ?? [])
        {
            var eq = tag.IndexOf('=');
            if (eq > 0) labels[tag[..eq]] = tag[(eq + 1)..];
            else if (eq < 0 && tag.Length > 0) labels.TryAdd(tag, "true");
        }
        foreach (var (key, value) in service.Meta ?? new Dictionary<string, string>()) labels[key] = value;
        return labels;
    }

    /// <summary>Meta "protocol" (Istio's Consul convention), else a tag "protocol=...", else TCP.</summary>
    public static string ProtocolOf(ConsulHealthEntry entry)
    {
        var named = entry.Service.Meta?.GetValueOrDefault("protocol")
            ?? entry.Service.Tags?.FirstOrDefault(t => t.StartsWith("protocol=", StringComparison.Ordinal))?["protocol=".Length..];
        return named is not null && Protocols.TryGetValue(named, out var protocol) ? protocol : DefaultProtocol;
    }

    /// <summary>The worst of the instance's checks, node checks included; no checks at all is passing, as in Consul.</summary>
    public static string StatusOf(ConsulHealthEntry entry)
    {
        var worst = "passing";
        foreach (var check in entry.Checks ?? [])
        {
            if (check.Status == "critical") return "critical";
            if (check.Status == "warning") worst = "warning";
            else if (check.Status != "passing") return "critical";
        }
        return worst;
    }

    private static string? LocalityOf(ConsulHealthEntry entry, string? datacenter, ConsulOptions options)
    {
        var region = entry.Node.Datacenter is { Length: > 0 } dc ? dc : datacenter;
        if (string.IsNullOrEmpty(region)) return null;
        var zone = entry.Service.Locality?.Zone is { Length: > 0 } z ? z : entry.Node.Meta?.GetValueOrDefault(options.ZoneNodeMetaKey);
        return string.IsNullOrEmpty(zone) ? region : $"{region}/{zone}";
    }
}
