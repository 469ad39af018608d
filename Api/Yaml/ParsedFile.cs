using Mesh.Api.Model;

namespace Mesh.Api.Yaml;

/// <summary>One config file as loaded from disk: its path and what it parsed into.</summary>
public sealed record ParsedFile(string Path, ParseResult Result)
{
    public IReadOnlyList<ConfigObject> Objects => Result.Objects;

    public IReadOnlyList<ConfigError> Errors => Result.Errors;
}
