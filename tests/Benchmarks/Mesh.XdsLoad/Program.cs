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

// Ctrl-C still cleans up: the run removes its files and kills the silos it started.
using var abort = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    abort.Cancel();
};
// Each push mode runs the whole scenario on silos started for it, one after the other.
var reports = new List<LoadReport>();
foreach (var mode in options.PushModes)
{
    if (abort.IsCancellationRequested) break;
    var report = await LoadRun.RunAsync(options, mode, abort.Token);
    report.Print(Console.Out);
    Console.Out.WriteLine();
    reports.Add(report);
}
if (reports.Count > 1) ModeComparison.Print(reports, Console.Out);
return reports.Count == options.PushModes.Count && reports.All(r => r.Failures.Count == 0) ? 0 : 1;
