namespace Mesh.Api.Analysis;

/// <summary>
/// The codes <see cref="MeshAnalyzer"/> emits. IST codes mean what they mean in istioctl analyze,
/// so users can look them up; MSH codes are Mesh's own, for findings Istio has no code for.
/// </summary>
public static class AnalysisCodes
{
    /// <summary>Error: a route or mirror names a host no ServiceEntry defines, a port the host does not expose, or a subset no DestinationRule defines.</summary>
    public const string ReferencedResourceNotFound = "IST0101";

    /// <summary>Error: the document failed to parse or did not pass <see cref="Validation.ConfigValidator"/>; it is not served.</summary>
    public const string SchemaValidationError = "IST0106";

    /// <summary>Warning: two VirtualServices claim the same host on the same gateway; only one of them will be used.</summary>
    public const string ConflictingVirtualServiceHosts = "IST0109";

    /// <summary>Warning: a DestinationRule subset's labels select no endpoint of its host (ServiceEntry endpoints and selected WorkloadEntries).</summary>
    public const string SubsetSelectsNoEndpoints = "IST0173";

    /// <summary>Warning: a DestinationRule's host matches no ServiceEntry, so the rule applies to nothing.</summary>
    public const string DestinationRuleHostNotFound = "IST0174";

    /// <summary>Error: two ServiceEntries visible to a common namespace define the same host; which one wins is undefined.</summary>
    public const string ConflictingServiceEntryHosts = "MSH0001";

    /// <summary>Warning: two DestinationRules visible to a common namespace configure the same host; only one policy applies per host.</summary>
    public const string MultipleDestinationRulesForHost = "MSH0002";

    /// <summary>Error: the same kind/namespace/name is defined more than once; consumers keyed by identity would keep only one.</summary>
    public const string DuplicateObject = "MSH0003";

    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>
    {
        [ReferencedResourceNotFound] = "ReferencedResourceNotFound: a referenced host, port or subset does not exist",
        [SchemaValidationError] = "SchemaValidationError: the document is malformed or invalid and is not served",
        [ConflictingVirtualServiceHosts] = "ConflictingVirtualServiceHosts: several VirtualServices define the same host and gateway",
        [SubsetSelectsNoEndpoints] = "DestinationRuleSubsetNotSelectPods: a subset's labels select no endpoint",
        [DestinationRuleHostNotFound] = "DestinationRuleHostNotFound: a DestinationRule's host matches no service",
        [ConflictingServiceEntryHosts] = "ConflictingServiceEntryHosts: several ServiceEntries define the same host",
        [MultipleDestinationRulesForHost] = "MultipleDestinationRulesForHost: several DestinationRules configure the same host",
        [DuplicateObject] = "DuplicateObject: an object identity (kind/namespace/name) is defined more than once",
    }.AsReadOnly();
}
