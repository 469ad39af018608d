using Mesh.Api.Yaml;

namespace Mesh.Api.Analysis;

/// <summary>Knobs for <see cref="MeshAnalyzer"/>.</summary>
/// <param name="KnownHosts">
/// Hosts that exist outside the analyzed files (services from Kubernetes, Consul...), so
/// references to them are not reported as missing. Wildcards ("*.svc.cluster.local") allowed.
/// </param>
public sealed record MeshAnalyzerOptions(IReadOnlyCollection<string> KnownHosts)
{
    public static MeshAnalyzerOptions Default { get; } = new([]);
}

/// <summary>
/// The engine behind <c>meshctl analyze</c>: every parse and validation error of the files,
/// plus findings that need several objects at once (references, conflicts). Only valid
/// objects take part in the cross-object checks, as only they would be served.
/// </summary>
public static class MeshAnalyzer
{
    public static IReadOnlyList<AnalysisMessage> Analyze(IReadOnlyList<ParsedFile> files, MeshAnalyzerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var ctx = new AnalysisContext(files, options ?? MeshAnalyzerOptions.Default);
        foreach (var error in files.SelectMany(f => f.Errors))
        {
            ctx.Messages.Add(FromError(error));
        }

        ReferenceChecks.Run(ctx);
        SubsetChecks.Run(ctx);
        ConflictChecks.Run(ctx);

        return ctx.Messages
            .OrderBy(m => m.File, StringComparer.Ordinal)
            .ThenBy(m => m.DocumentIndex)
            .ThenBy(m => m.Line)
            .ThenByDescending(m => m.Level)
            .ToList();
    }

    /// <summary>A parse or validation error, as IST0106 (Istio's SchemaValidationError).</summary>
    public static AnalysisMessage FromError(ConfigError error) =>
        new(
            AnalysisLevel.Error,
            AnalysisCodes.SchemaValidationError,
            (error.Value is null ? error.Message : $"invalid value {ConfigError.Quote(error.Value)}: {error.Message}")
                + (error.Column is int column ? $" (column {column})" : ""),
            error.File,
            error.DocumentIndex,
            error.Kind,
            error.Name,
            error.FieldPath,
            error.Namespace,
            error.Line);
}
