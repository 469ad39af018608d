namespace Mesh.Testing.Consul;

/// <summary>One registered service instance in <see cref="FakeConsul"/>, with the status of its one check.</summary>
public sealed record FakeInstance(string Id, string Service, string Address, int Port)
{
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyDictionary<string, string> Meta { get; init; } = new Dictionary<string, string>();

    /// <summary>"passing", "warning" or "critical".</summary>
    public string Status { get; init; } = "passing";

    public string Node { get; init; } = "node-1";
    public string NodeAddress { get; init; } = "10.99.0.1";
    public IReadOnlyDictionary<string, string> NodeMeta { get; init; } = new Dictionary<string, string>();
}

/// <summary>A request FakeConsul received: path, raw query string (with its leading '?') and the ACL token header.</summary>
public sealed record FakeConsulRequest(string Path, string Query, string? Token);
