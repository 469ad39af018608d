using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mesh.Api.Analysis;
using Mesh.Api.Yaml;

namespace Mesh.Cli.Commands;

/// <summary>
/// `meshctl analyze &lt;dir|file&gt;...`: validation plus cross-reference checks, as istioctl analyze.
/// Exit code 0 when there is no error (warnings allowed), 1 when there is one, 2 on bad usage.
/// </summary>
public static class AnalyzeCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("path") { Description = "Files or directories of Istio YAML.", Arity = ArgumentArity.OneOrMore };
        var output = CommonOptions.Output();
        var failOn = new Option<AnalysisLevel>("--failure-threshold")
        {
            Description = "The lowest level that makes the exit code non-zero (Info, Warning, Error).",
            DefaultValueFactory = _ => AnalysisLevel.Error,
        };
        var command = new Command("analyze", "Validate Istio config and check its cross-references.") { paths, output, failOn };
        command.SetAction(async (parse, cancel) =>
        {
            var files = new List<ParsedFile>();
            foreach (var path in parse.GetValue(paths)!)
            {
                try { files.AddRange(ConfigLoader.LoadPath(path)); }
                catch (FileNotFoundException ex)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"meshctl analyze: {ex.Message}");
                    return 2;
                }
            }
            var messages = MeshAnalyzer.Analyze(files);
            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
                json.Converters.Add(new JsonStringEnumConverter());
                await writer.WriteLineAsync(JsonSerializer.Serialize(messages, json));
            }
            else if (messages.Count == 0)
            {
                await writer.WriteLineAsync($"\u2714 No validation issues found when analyzing {files.Count} file(s).");
            }
            else
            {
                foreach (var message in messages) await writer.WriteLineAsync(message.ToString());
            }
            return messages.Any(m => m.Level >= parse.GetValue(failOn)) ? 1 : 0;
        });
        return command;
    }
}
