using System.Diagnostics;
using System.Net;

namespace Mesh.XdsLoad;

/// <summary>
/// One run: write the hosts, (optionally start the silo,) wait until a probe proxy holds them all,
/// connect the proxies at once, then edit one host at a time and time each edit until every proxy
/// has the new endpoint. Every wait is bounded by --timeout-s; everything is undone at the end.
/// </summary>
public static class LoadRun
{
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
        SiloProcess? silo = null;
        try
        {
            var written = Stopwatch.GetTimestamp();
            files.WriteAll();
            var (xds, httpEndpoint) = (o.Xds, o.Http);
            if (o.StartSilo is not null)
            {
                silo = SiloProcess.Start(o.StartSilo, files.Directory, Path.Combine(tempDir!, "silo.log"));
                (xds, httpEndpoint) = (silo.Xds, silo.Http);
            }
            using var http = new SiloHttp(httpEndpoint);
            report.Silo = silo is null
                ? $"external, xDS {xds}, HTTP {httpEndpoint}, config dir {files.Directory}"
                : $"started by this run, pid {silo.Pid}, xDS {xds}, log {silo.LogPath}";
            if (silo is not null) await silo.WaitReadyAsync(http, TimeSpan.FromSeconds(90));
            var xdsUri = new Uri($"http://{xds}");

            var probe = Start(new EnvoyLikeClient(-1, NodeId(run, "probe"), xdsUri, board, expected));
            await Bounded(probe.FullConfig, o.Timeout, $"a probe proxy did not receive all {o.Hosts} hosts");
            report.Loaded = Stopwatch.GetElapsedTime(written);
            await RecordMemoryAsync(report, "with 1 probe proxy", silo, http);

            var proxies = Enumerable.Range(0, o.Proxies)
                .Select(i => new EnvoyLikeClient(i, NodeId(run, i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)), xdsUri, board, expected))
                .ToList();
            var connecting = Stopwatch.GetTimestamp();
            foreach (var proxy in proxies) Start(proxy);
            await Bounded(Task.WhenAll(proxies.Select(p => p.FullConfig)), o.Timeout, $"not all {o.Proxies} proxies received a full config");
            report.Connects.AddRange(proxies.Select(p => Stopwatch.GetElapsedTime(p.StartedAt, p.FullConfig.Result)));
            report.ConnectAll = Stopwatch.GetElapsedTime(connecting, proxies.Max(p => p.FullConfig.Result));
            await RecordMemoryAsync(report, $"with {o.Proxies + 1} proxies connected", silo, http);

            for (var edit = 0; edit < o.Edits; edit++)
            {
                // Let the previous edit's ACKs land, so each edit starts from a quiet server.
                await Task.Delay(o.Pause, stop.Token);
                var host = edit % o.Hosts;
                var watch = new EditWatch(ConfigFiles.Cluster(host), ConfigFiles.EditedAddress(edit), o.Proxies);
                board.Current = watch;
                files.Edit(host, edit);
                var finished = await Task.WhenAny(watch.All, Task.Delay(o.Timeout, stop.Token));
                board.Current = null;
                if (finished == watch.All) report.Edits.Add(watch.Latencies());
                else report.Failures.Add($"edit {edit} (host {ConfigFiles.Host(host)}): only {watch.Arrived}/{o.Proxies} proxies had it after {o.Timeout.TotalSeconds:0} s");
            }
            await RecordMemoryAsync(report, $"after {o.Edits} edits", silo, http);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            report.Failures.Add(ex.Message);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(streams);
            foreach (var client in clients) await client.DisposeAsync();
            if (o.StartSilo is null) files.RemoveAll();
            silo?.Dispose();
            // The silo's log is kept with its temp dir when the run failed, to read why.
            if (tempDir is not null && report.Failures.Count == 0) Directory.Delete(tempDir, recursive: true);
        }
        return report;

        EnvoyLikeClient Start(EnvoyLikeClient client)
        {
            clients.Add(client);
            streams.Add(Task.Run(() => client.RunAsync(stop.Token)));
            return client;
        }
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

    private static async Task RecordMemoryAsync(LoadReport report, string when, SiloProcess? silo, SiloHttp http)
    {
        if (silo?.Memory() is { } m)
        {
            report.Memory.Add((when, $"VmRSS {LoadReport.MiB(m.Rss)}, peak (VmHWM) {LoadReport.MiB(m.Peak)}"));
            return;
        }
        // Without the pid, only the silo's own metrics can say; left out of the report if absent.
        if (await http.ResidentBytesAsync() is { } bytes)
            report.Memory.Add((when, $"process_resident_memory_bytes {LoadReport.MiB(bytes)}"));
    }
}
