using System.Diagnostics;
using System.Net;

namespace Mesh.XdsLoad;

/// <summary>
/// One run: write the hosts, (optionally start the silo,) wait until a probe proxy holds them all,
/// connect the proxies at once, warm up, then edit one host at a time and time each edit until
/// every proxy has the new endpoint. Every wait is bounded by --timeout-s; everything is undone at the end.
/// </summary>
public static class LoadRun
{
    /// <summary>A quiet spell after warm-up, to show what the silo burns with nothing to do (polls, timers, GC).</summary>
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(2);

    public static async Task<LoadReport> RunAsync(LoadOptions o, CancellationToken abort)
    {
        var report = new LoadReport(o);
        var run = Guid.NewGuid().ToString("N")[..6];
        var tempDir = o.StartSilo is null ? null : Directory.CreateTempSubdirectory("xdsload-").FullName;
        var files = new ConfigFiles(o.ConfigDir ?? Path.Combine(tempDir!, "config"), o.Hosts);
        var board = new WatchBoard();
        var expected = Enumerable.Range(0, o.Hosts).Select(ConfigFiles.Cluster).ToHashSet(StringComparer.Ordinal);
        var clients = new List<EnvoyLikeClient>();
        var streams = new List<Task>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var silos = new List<SiloProcess>();
        RedisProcess? redis = null;
        try
        {
            var written = Stopwatch.GetTimestamp();
            files.WriteAll();
            var (xds, httpEndpoint) = (o.Xds, o.Http);
            if (o.StartSilo is not null)
            {
                // Several silos: one cluster through Redis, each silo ready before the next starts (the first runs the registries).
                string[] clustering = [];
                if (o.Silos > 1)
                {
                    var redisAddress = o.Redis ?? (redis = await RedisProcess.StartAsync()).Address;
                    clustering = ["--clustering", "redis", "--redis", redisAddress, "--cluster-id", $"xdsload-{run}"];
                }
                for (var i = 0; i < o.Silos; i++)
                {
                    var started = SiloProcess.Start(o.StartSilo, files.Directory, Path.Combine(tempDir!, $"silo-{i}.log"), clustering);
                    silos.Add(started);
                    using var readiness = new SiloHttp(started.Http);
                    await started.WaitReadyAsync(readiness, TimeSpan.FromSeconds(90));
                }
                (xds, httpEndpoint) = (silos[0].Xds, silos[0].Http);
            }
            var silo = silos.FirstOrDefault();
            using var http = new SiloHttp(httpEndpoint);
            report.Silo = silo is null
                ? $"external, xDS {xds}, HTTP {httpEndpoint}, config dir {files.Directory}"
                : $"{silos.Count} started by this run ({string.Join(", ", silos.Select(s => $"pid {s.Pid} xDS {s.Xds}"))}){(silos.Count > 1 ? $", clustered through Redis {o.Redis ?? redis!.Address}" : "")}, logs in {tempDir}";
            var xdsUri = new Uri($"http://{xds}");
            IReadOnlyList<Uri> siloUris = silos.Count == 0 ? [xdsUri] : [.. silos.Select(s => new Uri($"http://{s.Xds}"))];

            var probe = Start(new EnvoyLikeClient(-1, NodeId(run, "probe"), xdsUri, board, expected));
            await Bounded(probe.FullConfig, o.Timeout, $"a probe proxy did not receive all {o.Hosts} hosts");
            report.Loaded = Stopwatch.GetElapsedTime(written);
            await RecordMemoryAsync(report, "with 1 probe proxy", silos, http);

            var proxies = Enumerable.Range(0, o.Proxies)
                .Select(i => new EnvoyLikeClient(i, NodeId(run, i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)), siloUris, i % siloUris.Count, board, expected))
                .ToList();
            var cpu = CpuMeter.Start(silos, clients);
            var connecting = Stopwatch.GetTimestamp();
            foreach (var proxy in proxies) Start(proxy);
            await Bounded(Task.WhenAll(proxies.Select(p => p.FullConfig)), o.Timeout, $"not all {o.Proxies} proxies received a full config");
            report.Connects.AddRange(proxies.Select(p => Stopwatch.GetElapsedTime(p.StartedAt, p.FullConfig.Result)));
            report.ConnectAll = Stopwatch.GetElapsedTime(connecting, proxies.Max(p => p.FullConfig.Result));
            report.Cpu.Add(($"connecting {o.Proxies} proxies", cpu.Silo(), cpu.Self(), cpu.Responses()));
            await RecordMemoryAsync(report, $"with {o.Proxies + 1} proxies connected", silos, http);

            // Unmeasured edits first: until tiered compilation has settled (about 40 edits here), the
            // background JIT costs more CPU than the edits themselves, in the silo and in this tool.
            for (var edit = 0; edit < o.Warmup; edit++) await EditAsync(edit, measured: false);
            cpu = CpuMeter.Start(silos, clients);
            await Task.Delay(IdleWindow, stop.Token);
            report.Cpu.Add(($"idle for {IdleWindow.TotalSeconds:0} s with {o.Proxies + 1} proxies, after {o.Warmup} warm-up edits", cpu.Silo(), cpu.Self(), cpu.Responses()));
            cpu = CpuMeter.Start(silos, clients);
            for (var edit = o.Warmup; edit < o.Warmup + o.Edits; edit++) await EditAsync(edit, measured: true);
            report.Cpu.Add(($"{o.Edits} edits (with {o.Edits} x {o.Pause.TotalMilliseconds:0} ms pauses)", cpu.Silo(), cpu.Self(), cpu.Responses()));
            await RecordMemoryAsync(report, $"after {o.Edits} edits", silos, http);

            if (o.KillSilo is { } victim)
            {
                var moved = proxies.Where(p => p.Silo == siloUris[victim]).ToList();
                var killedAt = Stopwatch.GetTimestamp();
                silos[victim].Kill();
                await Bounded(Task.WhenAll(moved.Select(p => p.FullAgain)), o.Timeout, $"not all {moved.Count} proxies of the killed silo had their full config again");
                report.Kill = (victim, moved.Count, [.. moved.Select(p => Stopwatch.GetElapsedTime(killedAt, p.FullAgain.Result))]);
            }
        }
        catch (Exception ex)
        {
            // A measuring tool reports what went wrong with the run and still cleans up after itself.
            report.Failures.Add(ex is TimeoutException or InvalidOperationException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(streams);
            foreach (var client in clients) await client.DisposeAsync();
            if (o.StartSilo is null) files.RemoveAll();
            foreach (var started in silos) started.Dispose();
            redis?.Dispose();
            // The silo's log is kept with its temp dir when the run failed, to read why.
            if (tempDir is not null && report.Failures.Count == 0) Directory.Delete(tempDir, recursive: true);
        }
        return report;

        async Task EditAsync(int edit, bool measured)
        {
            // Let the previous edit's ACKs land, so each edit starts from a quiet server.
            await Task.Delay(o.Pause, stop.Token);
            var host = edit % o.Hosts;
            var watch = new EditWatch(ConfigFiles.Cluster(host), ConfigFiles.EditedAddress(edit), o.Proxies);
            board.Current = watch;
            files.Edit(host, edit);
            var finished = await Task.WhenAny(watch.All, Task.Delay(o.Timeout, stop.Token));
            board.Current = null;
            if (finished != watch.All)
                report.Failures.Add($"edit {edit} (host {ConfigFiles.Host(host)}): only {watch.Arrived}/{o.Proxies} proxies had it after {o.Timeout.TotalSeconds:0} s");
            else if (measured)
                report.Edits.Add(watch.Latencies());
        }

        EnvoyLikeClient Start(EnvoyLikeClient client)
        {
            clients.Add(client);
            streams.Add(Task.Run(() => client.RunAsync(stop.Token)));
            return client;
        }
    }

    /// <summary>CPU time used since Start, by the silo (if this run owns it) and by this process.</summary>
    private sealed record CpuMeter(IReadOnlyList<SiloProcess> Processes, TimeSpan SiloAtStart, TimeSpan SelfAtStart, List<EnvoyLikeClient> Clients, long ResponsesAtStart)
    {
        public static CpuMeter Start(IReadOnlyList<SiloProcess> silos, List<EnvoyLikeClient> clients) =>
            new(silos, Sum(silos), System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime, clients, Total(clients));

        private static TimeSpan Sum(IReadOnlyList<SiloProcess> silos) => silos.Aggregate(TimeSpan.Zero, (t, s) => t + s.CpuTime());

        /// <summary>xDS responses all clients received since Start: shows what the silo pushed in the phase.</summary>
        public long Responses() => Total(Clients) - ResponsesAtStart;

        private static long Total(List<EnvoyLikeClient> clients) => clients.Sum(c => (long)c.Responses);

        /// <summary>All silos together.</summary>
        public TimeSpan? Silo() => Processes.Count == 0 || Processes.Any(p => p.HasExited) ? null : Sum(Processes) - SiloAtStart;

        public TimeSpan Self() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - SelfAtStart;
    }

    /// <summary>An Istio-style sidecar id, so the silo reads the namespace from it as from a real proxy.</summary>
    private static string NodeId(string run, string name) => $"sidecar~127.0.0.1~xdsload-{run}-{name}.default~default.svc.cluster.local";

    private static async Task Bounded(Task task, TimeSpan timeout, string what)
    {
        if (await Task.WhenAny(task, Task.Delay(timeout)) != task)
            throw new TimeoutException($"{what} within {timeout.TotalSeconds:0} s");
        try { await task; }
        catch (Exception ex) when (ex is not TimeoutException) { throw new InvalidOperationException($"{what}: {ex.Message}", ex); }
    }

    private static async Task RecordMemoryAsync(LoadReport report, string when, IReadOnlyList<SiloProcess> silos, SiloHttp http)
    {
        var memory = silos.Select(s => s.Memory()).ToList();
        if (memory.Count > 0 && memory.All(m => m is not null))
        {
            report.Memory.Add((when, string.Join("; ", memory.Select((m, i) => $"silo {i}: VmRSS {LoadReport.MiB(m!.Value.Rss)}, peak (VmHWM) {LoadReport.MiB(m.Value.Peak)}"))));
            return;
        }
        // Without the pid, only the silo's own metrics can say; left out of the report if absent.
        if (await http.ResidentBytesAsync() is { } resident)
            report.Memory.Add((when, $"{resident.Metric} {LoadReport.MiB(resident.Bytes)}"));
    }
}
