namespace Mesh.Registries.Consul;

/// <summary>
/// The Consul registry's settings (silo flags --consul-*): the agent or server to ask, which
/// datacenters to read (one shard each), the ACL token, and the host domain services get.
/// </summary>
/// <param name="Address">Consul's HTTP API, e.g. http://127.0.0.1:8500.</param>
/// <param name="Datacenters">Empty: the agent's own datacenter only.</param>
/// <param name="Domain">Hosts are "&lt;service&gt;.&lt;Domain&gt;" (Consul DNS's "service.consul").</param>
/// <param name="Namespace">The mesh namespace Consul services belong to (exportTo, Sidecar scoping).</param>
public sealed record ConsulOptions(
    Uri Address,
    IReadOnlyList<string> Datacenters,
    string? Token,
    string Domain = "service.consul",
    string Namespace = "default");
