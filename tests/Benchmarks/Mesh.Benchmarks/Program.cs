using BenchmarkDotNet.Running;

// Pick benchmarks with BenchmarkDotNet's own flags, e.g. --filter '*Snapshot*' --job short.
BenchmarkSwitcher.FromAssembly(typeof(Mesh.Benchmarks.Workload).Assembly).Run(args);
