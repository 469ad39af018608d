using Mesh.Api.Tests.Yaml;
using Mesh.Api.Yaml;

namespace Mesh.Api.Tests.Validation;

internal static class ValidationAssert
{
    /// <summary>
    /// Parses a document expected to fail validation with exactly one error, and checks that
    /// error's field path, offending value, message and that it points at a line.
    /// </summary>
    public static ConfigError Single(string kind, string spec, string path, string? value, string message)
    {
        var error = ConfigYaml.OnlyError(kind, spec);
        Assert.Equal(path, error.FieldPath);
        Assert.Equal(value, error.Value);
        Assert.Contains(message, error.Message);
        Assert.NotNull(error.Line);
        Assert.Equal((kind, "test", "default"), (error.Kind, error.Name, error.Namespace));
        return error;
    }
}
