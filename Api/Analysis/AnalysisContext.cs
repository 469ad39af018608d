using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Analysis;

/// <summary>What every check needs: the valid objects, lookups over them, and where findings go.</summary>
internal sealed class AnalysisContext
{
    private readonly Dictionary<string, ParseResult> _sources = new(StringComparer.Ordinal);
    private readonly HashSet<string> _knownHosts;

    public AnalysisContext(IReadOnlyList<ParsedFile> files, MeshAnalyzerOptions options)
    {
        foreach (var file in files)
        {
            // Objects name their file as the parser was told it, which is what ParseResult.File holds.
            _sources.TryAdd(file.Result.File, file.Result);
        }

        Config = MeshConfig.From(files.SelectMany(f => f.Objects));
        _knownHosts = options.KnownHosts.Select(h => h.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        Services = Config.ServiceEntries
            .SelectMany(se => se.Spec.Hosts.Select((host, i) => new HostEntry<ServiceEntry>(HostNames.Qualify(host, se.Meta.Namespace), i, se, Visibility.Of(se.Meta, se.Spec.ExportTo))))
            .ToList();
        Rules = Config.DestinationRules
            .Select(dr => new HostEntry<DestinationRule>(HostNames.Qualify(dr.Spec.Host, dr.Meta.Namespace), 0, dr, Visibility.Of(dr.Meta, dr.Spec.ExportTo)))
            .ToList();
    }

    public MeshConfig Config { get; }

    public List<AnalysisMessage> Messages { get; } = [];

    /// <summary>Every (host, ServiceEntry) pair; HostIndex is the position in spec.hosts.</summary>
    public IReadOnlyList<HostEntry<ServiceEntry>> Services { get; }

    public IReadOnlyList<HostEntry<DestinationRule>> Rules { get; }

    /// <summary>ServiceEntries visible from a namespace whose hosts cover a qualified host.</summary>
    public IReadOnlyList<ServiceEntry> ServicesFor(string host, string fromNamespace) =>
        Services.Where(s => s.Visibility.VisibleTo(fromNamespace) && HostNames.Covers(s.Host, host)).Select(s => s.Config).Distinct().ToList();

    /// <summary>DestinationRules visible from a namespace whose host covers a qualified host.</summary>
    public IReadOnlyList<DestinationRule> RulesFor(string host, string fromNamespace) =>
        Rules.Where(r => r.Visibility.VisibleTo(fromNamespace) && HostNames.Covers(r.Host, host)).Select(r => r.Config).ToList();

    public bool IsKnownHost(string host) => _knownHosts.Any(known => HostNames.Covers(known, host));

    /// <summary>A ServiceEntry's endpoints: inline ones, or the WorkloadEntries its selector picks in its namespace.</summary>
    public IEnumerable<WorkloadEntrySpec> Endpoints(ServiceEntry se) =>
        se.Spec.WorkloadSelector is { } selector
            ? Config.WorkloadEntries
                .Where(we => we.Meta.Namespace == se.Meta.Namespace && LabelSelector.Matches(selector.MatchLabels, we.Spec.Labels))
                .Select(we => we.Spec)
            : se.Spec.Endpoints;

    public void Report(AnalysisLevel level, string code, ConfigObject config, string? fieldPath, string message)
    {
        var origin = config.Meta.Origin;
        int? line = origin is not null && _sources.TryGetValue(origin.File, out var source)
            ? source.LineOf(origin.DocumentIndex, fieldPath)
            : null;
        Messages.Add(new AnalysisMessage(
            level, code, message, origin?.File, origin?.DocumentIndex, config.Meta.Kind, config.Meta.Name, fieldPath, config.Meta.Namespace, line));
    }

    /// <summary>How a finding names another object: "ns/name (file)".</summary>
    public static string Describe(ConfigObject config) =>
        $"{config.Meta.Namespace}/{config.Meta.Name}" + (config.Meta.Origin is { } o ? $" ({o.File})" : "");
}

/// <summary>One host of one object, qualified, with the object's visibility.</summary>
internal sealed record HostEntry<T>(string Host, int HostIndex, T Config, Visibility Visibility)
    where T : ConfigObject;
