using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Mesh.Silo.Clustering;

/// <summary>One silo's membership row, a MeshSilo custom resource.</summary>
public sealed class MeshSiloResource : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = MembershipKinds.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = MembershipKinds.SiloKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public MeshSiloSpec? Spec { get; set; }
}

/// <summary>A page of MeshSilo rows as a list call returns them.</summary>
public sealed class MeshSiloResourceList : IKubernetesObject<V1ListMeta>, IItems<MeshSiloResource>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = MembershipKinds.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = MembershipKinds.SiloKind + "List";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<MeshSiloResource> Items { get; set; } = [];
}

/// <summary>
/// An Orleans MembershipEntry as stored. Times are ISO 8601 round-trip strings so no precision is
/// lost to the client's date converter. Absent values are left out rather than sent as null, which
/// the CRD's schema (no nullable fields) would refuse. Nothing is required by the deserializer, so
/// one damaged row is skipped (and logged) rather than failing every read of the table.
/// <see cref="Etag"/> is the row's Orleans etag: it changes with every InsertRow/UpdateRow but not
/// with a heartbeat, which Orleans requires of row etags.
/// </summary>
public sealed record MeshSiloSpec
{
    [JsonPropertyName("clusterId")]
    public string ClusterId { get; init; } = "";

    [JsonPropertyName("siloAddress")]
    public string SiloAddress { get; init; } = "";

    [JsonPropertyName("status")]
    public string Status { get; init; } = "";

    [JsonPropertyName("etag")]
    public string Etag { get; init; } = "";

    [JsonPropertyName("hostName")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HostName { get; init; }

    [JsonPropertyName("siloName")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SiloName { get; init; }

    [JsonPropertyName("roleName")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RoleName { get; init; }

    [JsonPropertyName("proxyPort")]
    public int ProxyPort { get; init; }

    [JsonPropertyName("updateZone")]
    public int UpdateZone { get; init; }

    [JsonPropertyName("faultZone")]
    public int FaultZone { get; init; }

    [JsonPropertyName("startTime")]
    public string StartTime { get; init; } = "";

    [JsonPropertyName("iAmAliveTime")]
    public string IAmAliveTime { get; init; } = "";

    [JsonPropertyName("suspectTimes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SuspectVote>? SuspectTimes { get; init; }
}

/// <summary>One silo's suspicion of the row's silo, and when it voted.</summary>
public sealed record SuspectVote(
    [property: JsonPropertyName("silo")] string Silo,
    [property: JsonPropertyName("time")] string Time);
