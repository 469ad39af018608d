namespace Mesh.Api.Model;

public enum StringMatchKind { Exact, Prefix, Regex }

/// <summary>Istio's StringMatch: exactly one of exact, prefix, regex (RE2 syntax).</summary>
public sealed record StringMatch(StringMatchKind Kind, string Value);

/// <summary>Selects workloads by labels (Istio's WorkloadSelector).</summary>
public sealed record WorkloadSelector(IReadOnlyDictionary<string, string> MatchLabels);

/// <summary>A port on a service destination; Istio's PortSelector.</summary>
public sealed record PortSelector(uint Number);

/// <summary>Where traffic goes: a host in the registry, an optional subset, an optional port.</summary>
public sealed record Destination(string Host, string? Subset = null, PortSelector? Port = null);
