using Mesh.Api.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Api.Yaml;

/// <summary>
/// Parses Istio networking config (multi-document YAML) into the typed model, with every
/// document checked by <see cref="Validation.ConfigValidator"/>. Never throws on bad input:
/// problems come back as <see cref="ConfigError"/>s with field paths and lines.
/// </summary>
public static class ConfigParser
{
    public static ParseResult Parse(string fileName, string yamlText)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(yamlText);

        var objects = new List<ConfigObject>();
        var errors = new List<ConfigError>();
        var maps = new Dictionary<int, SourceMap>();
        var index = 0;
        foreach (var chunk in DocumentSplitter.Split(yamlText.TrimStart('\uFEFF')))
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(chunk.Text));
            }
            catch (YamlException e)
            {
                errors.Add(new ConfigError(
                    fileName, index++, null, null, null, null, $"malformed YAML: {e.Message}",
                    (int)e.Start.Line + chunk.LineOffset, Column: (int)e.Start.Column));
                continue;
            }

            foreach (var document in stream.Documents)
            {
                var read = DocumentReader.Read(document.RootNode, fileName, index, chunk.LineOffset);
                if (read.Object is not null)
                {
                    objects.Add(read.Object);
                }

                errors.AddRange(read.Errors);
                if (read.SourceMap.Count > 0)
                {
                    maps[index] = read.SourceMap;
                }

                index++;
            }
        }

        return new ParseResult(fileName, objects, errors) { DocumentCount = index, SourceMaps = maps };
    }
}
