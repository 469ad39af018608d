using System.Diagnostics;
using System.Globalization;

namespace Mesh.XdsLoad;

/// <summary>
/// One run in one push mode: write the hosts, (optionally start the silos,) wait until a probe
/// proxy holds them all, connect the proxies at once (they retry refused streams with back-off),
/// warm up, stay idle, then edit one host at a time and time each edit until every proxy has ACKed
/// the new endpoint, then (optionally) churn and (optionally) kill a silo. Every wait is bounded by
/// --timeout-s; everything is undone at the end.
/// </summary>
public static class LoadRun
{
    /// <summary>A quiet spell after warm-up, to show what the silo burns with nothing to do (polls, timers, GC).</summary>
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(2);

    public static async Task<LoadReport> RunAsync(LoadOptions o, string pushMode, CancellationToken abort)
    {
        var report = new LoadReport(o, pushMode);
        var run = Guid.NewGuid().ToString("N")[..6];
        var tempDir = o.StartSilo is null ? null : Directory.CreateTempSubdirectory("xdsload-").FullName;
        var files = new ConfigFiles(o.ConfigDir ?? Path.Combine(tempDir!, "config"), o.Hosts, o.Endpoints, o.VisibleHosts);
        var tracker = new ChangeTracker(o.VisibleHosts, o.Proxies);
        var traffic = new Traffic();
        var shared = new ClientShared(traffic, tracker, o.VisibleHosts);
        var clients = new List<ProxyClient>();
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
                var extra = new List<string>();
                if (o.Silos > 1)
                {
                    var redisAddress = o.Redis ?? (redis = await RedisProcess.StartAsync()).Address;
                    extra.AddRange(["--clustering", "redis", "--redis", redisAddress, "--cluster-id", $"xdsload-{run}"]);
                }
                // The default mode is not passed, so silos without the --push-mode flag still run.
                if (pushMode != "incremental") extra.AddRange(["--push-mode", pushMode]);
                extra.AddRange(o.SiloArgs);
                for (var i = 0; i < o.Silos; i++)
                {
                    var started = SiloProcess.Start(o.StartSilo, files.Directory, Path.Combine(tempDir!, $"silo-{i}.log"), extra, o.SiloEnv);
                    silos.Add(started);
                    using var readiness = new SiloHttp(started.Http);
                    await started.WaitReadyAsync(readiness, TimeSpan.FromSeconds(90));
                }
                (xds, httpEndpoint) = (silos[0].Xds, silos[0].Http);
            }
            using var http = new SiloHttp(httpEndpoint);
            report.Silo = silos.Count == 0
                ? $"external, xDS {xds}, HTTP {httpEndpoint}, config dir {files.Directory}"
                : $"{silos.Count} started by this run ({string.Join(", ", silos.Select(s => $"pid {s.Pid} xDS {s.Xds}"))}){(silos.Count > 1 ? $", clustered through Redis {o.Redis ?? redis!.Address}" : "")}{(pushMode != "incremental" ? $", --push-mode {pushMode}" : "")}, logs in {tempDir}";
            IReadOnlyList<Uri> siloUris = silos.Count == 0 ? [new Uri($"http://{xds}")] : [.. silos.Select(s => new Uri($"http://{s.Xds}"))];

            var probe = Start(new EnvoyLikeClient(-1, NodeId(run, "probe"), [siloUris[0]], 0, shared));
            await Bounded(probe.FullConfig, o.Timeout, () => $"a probe proxy did not receive all {o.VisibleHosts} visible hosts (last: {probe.LastError ?? "no error"})");
            report.Loaded = Stopwatch.GetElapsedTime(written);
            var probeOnly = await RecordMemoryAsync(report, "with 1 probe proxy", silos, http);

            var proxies = Enumerable.Range(0, o.Proxies).Select(i => Create(i, siloUris)).ToList();
            report.DeltaProxies = proxies.Count(p => p is DeltaClient);
            var meter = new PhaseMeter(silos, traffic);
            var connecting = Stopwatch.GetTimestamp();
            foreach (var proxy in proxies) Start(proxy);
            await WhileProgressing(proxies, o.Timeout, stop.Token);
            report.Connects.AddRange(proxies.Select(p => Stopwatch.GetElapsedTime(p.StartedAt, p.FullConfig.Result)));
            report.ConnectAll = Stopwatch.GetElapsedTime(connecting, proxies.Max(p => p.FullConfig.Result));
            report.Phases.Add(meter.Stop($"connect {o.Proxies} proxies"));
            var connected = await RecordMemoryAsync(report, $"with {o.Proxies + 1} proxies connected", silos, http);
            report.PerProxy = PerProxy(probeOnly, connected, o.Proxies);
            if (o.Hold > TimeSpan.Zero)
            {
                Console.Error.WriteLine($"holding {o.Proxies + 1} connected proxies for {o.Hold.TotalSeconds:0} s; silo pids: {string.Join(" ", silos.Select(s => s.Pid))}");
                await Task.Delay(o.Hold, stop.Token);
            }

            // Unmeasured edits first: until tiered compilation has settled (about 40 edits here), the
            // background JIT costs more CPU than the edits themselves, in the silo and in this tool.
            for (var edit = 0; edit < o.Warmup; edit++) await EditAsync(edit, measured: false);
            meter = new PhaseMeter(silos, traffic);
            await Task.Delay(IdleWindow, stop.Token);
            report.Phases.Add(meter.Stop($"idle {IdleWindow.TotalSeconds:0} s after {o.Warmup} warm-up edits"));
            // This process is every proxy at once, and while it collects all of them stop reading: a
            // gen-2 collection of its heap (thousands of HTTP/2 clients) landing in one timed edit would
            // time the tool. Collect now, untimed, as a benchmark harness does between iterations.
            CollectSelf();
            meter = new PhaseMeter(silos, traffic);
            for (var edit = o.Warmup; edit < o.Warmup + o.Edits; edit++) await EditAsync(edit, measured: true);
            report.EditsPhase = meter.Stop($"{o.Edits} edits (with {o.Pause.TotalMilliseconds:0} ms pauses)");
            report.Phases.Add(report.EditsPhase);
            await RecordMemoryAsync(report, $"after {o.Edits} edits", silos, http);

            if (o.Churn > TimeSpan.Zero)
            {
                CollectSelf();
                meter = new PhaseMeter(silos, traffic);
                report.Churn = await ChurnPhase.RunAsync(o, files, tracker, stop.Token);
                report.ChurnPhase = meter.Stop($"churn {o.Churn.TotalSeconds:0} s ({o.EndpointChangesPerSecond} endpoint changes/s, {o.ConfigEditsPerSecond} config edits/s) until converged");
                report.Phases.Add(report.ChurnPhase);
                await RecordMemoryAsync(report, "after churn", silos, http);
                if (report.Churn.NotConverged > 0)
                    report.Failures.Add($"churn: {report.Churn.NotConverged} of {report.Churn.Changes.Count} changes were not held by every proxy {o.Timeout.TotalSeconds:0} s after the churn ended");
            }

            if (o.HoldAfter > TimeSpan.Zero)
            {
                Console.Error.WriteLine($"holding {o.Proxies + 1} proxies after the changes for {o.HoldAfter.TotalSeconds:0} s; silo pids: {string.Join(" ", silos.Select(s => s.Pid))}");
                await Task.Delay(o.HoldAfter, stop.Token);
            }

            if (o.KillSilo is { } victim)
            {
                var moved = proxies.Where(p => p.Silo == siloUris[victim]).ToList();
                var back = moved.Select(p => p.ReturnAfterLoss()).ToList();
                var killedAt = Stopwatch.GetTimestamp();
                silos[victim].Kill();
                await Bounded(Task.WhenAll(back), o.Timeout, () => $"not all {moved.Count} proxies of the killed silo had their full config again");
                report.Kill = (victim, moved.Count, [.. back.Select(t => Stopwatch.GetElapsedTime(killedAt, t.Result))]);
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
            var host = edit % o.VisibleHosts;
            var change = tracker.Register(ChangeKind.Endpoint, host);
            files.Edit(host, change.Seq);
            if (await Task.WhenAny(change.Done, Task.Delay(o.Timeout, stop.Token)) != change.Done)
                report.Failures.Add($"edit {edit} (host {ConfigFiles.Host(host)}): only {o.Proxies - change.Remaining}/{o.Proxies} proxies had ACKed it after {o.Timeout.TotalSeconds:0} s");
            else if (measured)
                report.Edits.Add(change);
        }

        ProxyClient Start(ProxyClient client)
        {
            clients.Add(client);
            streams.Add(Task.Run(() => client.RunAsync(stop.Token)));
            return client;
        }

        ProxyClient Create(int i, IReadOnlyList<Uri> siloUris)
        {
            var id = NodeId(run, i.ToString("D5", CultureInfo.InvariantCulture));
            // Delta proxies spread evenly over each silo's share (by i / silos), not all on one silo.
            var j = i / siloUris.Count;
            return Math.Floor((j + 1) * o.DeltaShare) > Math.Floor(j * o.DeltaShare)
                ? new DeltaClient(i, id, siloUris, i % siloUris.Count, shared)
                : new EnvoyLikeClient(i, id, siloUris, i % siloUris.Count, shared);
        }
    }

    /// <summary>A full, compacting collection of this process only (never of the silos).</summary>
    private static void CollectSelf()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    /// <summary>An Istio-style sidecar id, so the silo reads the namespace from it as from a real proxy.</summary>
    private static string NodeId(string run, string name) => $"sidecar~127.0.0.1~xdsload-{run}-{name}.default~default.svc.cluster.local";

    private static string NotAll(IReadOnlyList<ProxyClient> proxies, Func<ProxyClient, Task> done, string what)
    {
        var late = proxies.Where(p => !done(p).IsCompleted).ToList();
        var errors = late.Select(p => p.LastError ?? "no stream ended").GroupBy(e => e).OrderByDescending(g => g.Count()).Take(3);
        return $"{late.Count} of {proxies.Count} proxies had not {what} (most frequent last stream errors: {string.Join("; ", errors.Select(g => $"{g.Count()} x {g.Key}"))})";
    }

    /// <summary>
    /// Until every proxy has its full config, failing only after --timeout-s in which none got it:
    /// the connect phase grows with the proxies (the silos' stream-rate limit, CPU), a stall does not.
    /// </summary>
    private static async Task WhileProgressing(IReadOnlyList<ProxyClient> proxies, TimeSpan stall, CancellationToken cancel)
    {
        var all = Task.WhenAll(proxies.Select(p => p.FullConfig));
        var (done, progressAt) = (0, Stopwatch.GetTimestamp());
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(1), cancel));
            cancel.ThrowIfCancellationRequested();
            var now = proxies.Count(p => p.FullConfig.IsCompletedSuccessfully);
            if (now > done) (done, progressAt) = (now, Stopwatch.GetTimestamp());
            else if (Stopwatch.GetElapsedTime(progressAt) > stall)
                throw new TimeoutException($"{NotAll(proxies, p => p.FullConfig, "received a full config")}, and none got it in the last {stall.TotalSeconds:0} s");
        }
        try { await all; }
        catch (Exception ex) { throw new InvalidOperationException($"{NotAll(proxies, p => p.FullConfig, "received a full config")}: {ex.Message}", ex); }
    }

    private static async Task Bounded(Task task, TimeSpan timeout, Func<string> what)
    {
        if (await Task.WhenAny(task, Task.Delay(timeout)) != task)
            throw new TimeoutException($"{what()} within {timeout.TotalSeconds:0} s");
        try { await task; }
        catch (Exception ex) when (ex is not TimeoutException) { throw new InvalidOperationException($"{what()}: {ex.Message}", ex); }
    }

    /// <summary>(all connected − probe only) / proxies, summed over the silos; null where a figure is missing.</summary>
    private static (double? RssKb, double? ManagedKb)? PerProxy(IReadOnlyList<SiloMemory?> before, IReadOnlyList<SiloMemory?> after, int proxies)
    {
        if (before.Count == 0 || before.Concat(after).Any(m => m is null)) return null;
        double? Delta(Func<SiloMemory, long?> figure) =>
            before.Concat(after).Any(m => figure(m!) is null) ? null
            : (after.Sum(m => figure(m!)!.Value) - before.Sum(m => figure(m!)!.Value)) / 1024.0 / proxies;
        return (Delta(m => m.Rss), Delta(m => m.Managed));
    }

    private static async Task<IReadOnlyList<SiloMemory?>> RecordMemoryAsync(LoadReport report, string when, IReadOnlyList<SiloProcess> silos, SiloHttp http)
    {
        var memory = await SiloMemory.SampleAsync(silos);
        if (memory.Count > 0)
        {
            report.Memory.Add((when, string.Join("; ", memory.Select((m, i) => m is null
                ? $"silo {i}: exited"
                : $"silo {i}: VmRSS {LoadReport.MiB(m.Rss)}, VmHWM {LoadReport.MiB(m.Peak)}, managed heap {(m.Managed is { } managed ? LoadReport.MiB(managed) : "unknown")}"))));
            return memory;
        }
        // Without the pid, only the silo's own metrics can say; left out of the report if absent.
        if (await http.ResidentBytesAsync() is { } resident)
            report.Memory.Add((when, $"{resident.Metric} {LoadReport.MiB(resident.Bytes)}"));
        return memory;
    }
}
