using Mesh.SidecarBench;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"sidecar-bench: {ex.Message}");
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

// Ctrl-C still cleans up: every child process (nginx, silo, sidecars) is killed by the run.
using var abort = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    abort.Cancel();
};
var report = await BenchRun.RunAsync(options, Console.Out, abort.Token);
report.Print(Console.Out);
return report.Failures.Count == 0 ? 0 : 1;
