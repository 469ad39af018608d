using Mesh.Api.Yaml;

namespace Mesh.Api.Tests.Yaml;

/// <summary>Builds small config documents for tests and parses them.</summary>
internal static class ConfigYaml
{
    public const string File = "test.yaml";

    /// <summary>A document of the given kind; spec is indented under "spec:" for the caller.</summary>
    public static string Doc(string kind, string spec, string name = "test", string? ns = "default", string apiVersion = "networking.istio.io/v1") =>
        $"apiVersion: {apiVersion}\nkind: {kind}\nmetadata:\n  name: {name}\n"
        + (ns is null ? "" : $"  namespace: {ns}\n")
        + "spec:\n"
        + Indent(spec);

    public static ParseResult Parse(string text) => ConfigParser.Parse(File, text);

    public static ParseResult Parse(string kind, string spec) => Parse(Doc(kind, spec));

    /// <summary>The one error a document produces; fails if it has none or several, or was accepted anyway.</summary>
    public static ConfigError OnlyError(string text)
    {
        var result = Parse(text);
        Assert.Empty(result.Objects);
        return Assert.Single(result.Errors);
    }

    public static ConfigError OnlyError(string kind, string spec) => OnlyError(Doc(kind, spec));

    public static T Valid<T>(string kind, string spec)
    {
        var result = Parse(kind, spec);
        Assert.Empty(result.Errors);
        return Assert.IsType<T>(Assert.Single(result.Objects));
    }

    public static string Indent(string text) =>
        string.Concat(text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n').Select(line => line.Length == 0 ? "\n" : "  " + line + "\n"));
}
