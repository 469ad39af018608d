using System.Text.Json.Serialization;

namespace Mesh.Registries.Consul;

// The parts of Consul's JSON the registry reads (GET /v1/health/service/<name>); Consul writes
// PascalCase names, which these properties match exactly. Missing collections arrive as null.

/// <summary>One instance of a service with its node and its checks (node-level and service-level).</summary>
public sealed record ConsulHealthEntry(ConsulNode Node, ConsulService Service, IReadOnlyList<ConsulCheck>? Checks);

public sealed record ConsulNode(
    string Node,
    string Address,
    string? Datacenter,
    IReadOnlyDictionary<string, string>? Meta);

public sealed record ConsulService(
    string ID,
    [property: JsonPropertyName("Service")] string Name,
    IReadOnlyList<string>? Tags,
    string? Address,
    IReadOnlyDictionary<string, string>? Meta,
    int Port,
    ConsulWeights? Weights,
    ConsulLocality? Locality);

/// <summary>Consul's per-instance weights: the share of traffic when passing and when warning.</summary>
public sealed record ConsulWeights(int Passing, int Warning);

/// <summary>A service's or agent's cloud locality (Consul 1.17+); only its zone is used, the region is the datacenter.</summary>
public sealed record ConsulLocality(string? Region, string? Zone);

/// <summary>Status is "passing", "warning" or "critical" (maintenance mode is a critical check).</summary>
public sealed record ConsulCheck(string CheckID, string Status, string? ServiceID);

/// <summary>GET /v1/agent/self, only the datacenter the agent belongs to.</summary>
public sealed record ConsulAgentSelf(ConsulAgentConfig Config);

public sealed record ConsulAgentConfig(string Datacenter);

[JsonSerializable(typeof(List<ConsulHealthEntry>))]
[JsonSerializable(typeof(Dictionary<string, List<string>>))]
[JsonSerializable(typeof(ConsulAgentSelf))]
internal sealed partial class ConsulJson : JsonSerializerContext;
