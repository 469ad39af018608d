namespace Mesh.Silo.Clustering;

/// <summary>
/// Where the membership custom resources live: group mesh.io, version v1, both namespaced.
/// deploy/kubernetes/membership-crds.yaml declares the same names; a change here needs one there.
/// </summary>
public static class MembershipKinds
{
    public const string Group = "mesh.io";
    public const string Version = "v1";
    public const string ApiVersion = Group + "/" + Version;

    public const string SiloKind = "MeshSilo";
    public const string SiloPlural = "meshsilos";

    public const string ClusterVersionKind = "MeshClusterVersion";
    public const string ClusterVersionPlural = "meshclusterversions";

    /// <summary>The label every row carries: the cluster's name slug, so one cluster's rows are listed by selector.</summary>
    public const string ClusterLabel = "mesh.io/cluster";
}
