using Mesh.XdsLoad;

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"xdsload: {ex.Message}");
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

// Ctrl-C still cleans up: the run removes its files and kills the silo it started.
using var abort = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    abort.Cancel();
};
var report = await LoadRun.RunAsync(options, abort.Token);
report.Print(Console.Out);
return report.Failures.Count == 0 ? 0 : 1;
