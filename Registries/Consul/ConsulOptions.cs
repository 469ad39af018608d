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
    string Namespace = "default")
{
    /// <summary>
    /// An instance whose worst check is "warning" is served (as Consul DNS does unless only_passing
    /// is set); off by default, so only instances with all checks passing receive traffic.
    /// </summary>
    public bool WarningIsPassing { get; init; }

    /// <summary>The longest a blocking query waits for a change (Consul's wait, capped by Consul at 10 min).</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First and longest pause before asking again after Consul failed; jittered, doubling in between.</summary>
    public TimeSpan RetryMin { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RetryMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Each watch may ask Consul at most once per interval once its burst is spent, so a fast-churning
    /// service degrades into polling instead of a busy loop (Consul's blocking-query advice).
    /// </summary>
    public TimeSpan QueryInterval { get; init; } = TimeSpan.FromSeconds(1);

    public int QueryBurst { get; init; } = 3;

    /// <summary>The node meta key that names an instance's zone (its locality is "&lt;datacenter&gt;/&lt;zone&gt;").</summary>
    public string ZoneNodeMetaKey { get; init; } = "zone";
}
