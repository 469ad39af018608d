using Mesh.Api.Model;
using Mesh.Api.Yaml;

namespace Mesh.Registries.Tests;

/// <summary>Istio YAML to a MeshConfig, failing the test on any parse or validation error.</summary>
internal static class ConfigText
{
    public static MeshConfig Parse(string yaml)
    {
        var result = ConfigParser.Parse("t.yaml", yaml);
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        return MeshConfig.From(result.Objects);
    }
}
