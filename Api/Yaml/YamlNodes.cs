using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Api.Yaml;

internal static class YamlNodes
{
    /// <summary>
    /// A plain <c>~</c>, <c>null</c> or empty value: Kubernetes treats those as "field not set",
    /// so the readers do too. A quoted <c>""</c> is a real empty string.
    /// </summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
        && (string.IsNullOrEmpty(scalar.Value) || scalar.Value is "~" or "null" or "Null" or "NULL");

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar when IsNull(scalar) => "null",
        YamlScalarNode scalar => $"\"{scalar.Value}\"",
        _ => "an alias",
    };
}
