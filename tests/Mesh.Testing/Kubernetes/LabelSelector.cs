using System.Text.Json.Nodes;

namespace Mesh.Testing.Kubernetes;

/// <summary>
/// The equality-based label selectors of a list call, as the API server reads them: comma-separated
/// requirements "k=v", "k==v", "k!=v", "k" (has the label) and "!k" (has not); all must hold. Set-based
/// requirements (in, notin) are refused, as a malformed selector is, so a test cannot pass on a filter
/// the fake silently ignored.
/// </summary>
public sealed class LabelSelector
{
    private readonly List<(string Key, string? Value, bool Equal)> _requirements;

    private LabelSelector(List<(string, string?, bool)> requirements) => _requirements = requirements;

    public static bool TryParse(string text, out LabelSelector selector)
    {
        selector = new LabelSelector([]);
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw.Contains(' ') || raw.Contains('(')) return false;
            var notEqual = raw.IndexOf("!=", StringComparison.Ordinal);
            var equal = raw.IndexOf('=');
            (string Key, string? Value, bool Equal) requirement;
            if (notEqual > 0) requirement = (raw[..notEqual], raw[(notEqual + 2)..], false);
            else if (equal > 0) requirement = (raw[..equal], raw[(equal + (raw[equal..].StartsWith("==", StringComparison.Ordinal) ? 2 : 1))..], true);
            else if (raw.StartsWith('!')) requirement = (raw[1..], null, false);
            else requirement = (raw, null, true);
            if (requirement.Key.Length == 0 || requirement.Value?.Contains('=') == true) return false;
            selector._requirements.Add(requirement);
        }
        return true;
    }

    /// <summary>Whether the object (its stored JSON) carries labels satisfying every requirement.</summary>
    public bool Matches(string objectJson)
    {
        if (_requirements.Count == 0) return true;
        var labels = JsonNode.Parse(objectJson)?["metadata"]?["labels"] as JsonObject;
        foreach (var (key, value, equal) in _requirements)
        {
            var actual = labels?[key]?.GetValue<string>();
            var holds = value is null ? actual is not null : actual == value;
            if (holds != equal) return false;
        }
        return true;
    }
}
