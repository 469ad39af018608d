namespace Mesh.Api.Model;

/// <summary>
/// Kubernetes' equality-based selection, as Istio uses it for workloadSelector, subset labels,
/// sourceLabels and Service selectors: every selector label present with the same value. An empty
/// selector matches everything; callers that mean "no selector selects nothing" check for that first.
/// </summary>
public static class LabelSelector
{
    public static bool Matches(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.All(kv => labels.TryGetValue(kv.Key, out var value) && value == kv.Value);
}
