using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Api.Validation;

/// <summary>Collects the errors of one config object, stamped with its origin and identity.</summary>
internal sealed class Findings(ConfigObject config)
{
    private readonly List<ConfigError> _errors = [];

    public IReadOnlyList<ConfigError> Errors => _errors;

    public void Add(string path, string? value, string message) =>
        _errors.Add(new ConfigError(
            config.Meta.Origin?.File ?? "",
            config.Meta.Origin?.DocumentIndex ?? -1,
            config.Meta.Kind,
            config.Meta.Name.Length == 0 ? null : config.Meta.Name,
            path,
            value,
            message,
            null,
            config.Meta.Name.Length == 0 ? null : config.Meta.Namespace));
}
