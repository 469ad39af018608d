using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Mesh.SidecarBench;

/// <summary>
/// Open-loop load at a fixed rate: request i is due at start + i/rate whatever happened before, and
/// its latency runs from that scheduled time to the last byte of the response, so a stall delays
/// every request due during it and shows in the percentiles (no coordinated omission). One pacing
/// thread hands due requests to a fixed pool of keep-alive connections, each on its own thread;
/// a request due while all connections are busy waits in the queue, and that wait counts.
/// </summary>
public static class OpenLoop
{
    public static LatencySample Run(IPEndPoint target, byte[] request, int expectedBody, int rate, int connections, TimeSpan warmup, TimeSpan measured, CancellationToken cancel)
    {
        var total = (int)Math.Ceiling(rate * (warmup + measured).TotalSeconds);
        var scheduled = new long[total];
        var latency = new long[total];
        var service = new long[total];
        var lag = new long[total];
        var failed = new bool[total];
        var errorKinds = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        using var due = new BlockingCollection<int>(new ConcurrentQueue<int>());

        var pool = Enumerable.Range(0, connections).Select(_ => new HttpConnection(target, request)).ToList();
        try
        {
            // Connected and used once before the clock starts, so no run measures a TCP handshake.
            foreach (var c in pool) c.Exchange();

            var workers = pool.Select(connection => new Thread(() =>
            {
                foreach (var i in due.GetConsumingEnumerable())
                {
                    var sent = Stopwatch.GetTimestamp();
                    try
                    {
                        var (status, body) = connection.Exchange();
                        if (status != 200 || body != expectedBody)
                        {
                            failed[i] = true;
                            errorKinds.AddOrUpdate($"status {status}, {body} bytes", 1, (_, n) => n + 1);
                        }
                    }
                    catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
                    {
                        failed[i] = true;
                        errorKinds.AddOrUpdate(ex.GetType().Name + ": " + ex.Message, 1, (_, n) => n + 1);
                    }
                    var done = Stopwatch.GetTimestamp();
                    latency[i] = done - scheduled[i];
                    service[i] = done - sent;
                }
            }) { IsBackground = true, Name = "bench-connection" }).ToList();
            foreach (var w in workers) w.Start();

            var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100;
            var pacer = new Thread(() =>
            {
                Pacer.UseFineTimerSlack();
                for (var i = 0; i < total && !cancel.IsCancellationRequested; i++)
                {
                    var at = start + (long)((double)i * Stopwatch.Frequency / rate);
                    Pacer.SleepUntil(at);
                    scheduled[i] = at;
                    lag[i] = Stopwatch.GetTimestamp() - at;
                    due.Add(i);
                }
                due.CompleteAdding();
            }) { IsBackground = true, Name = "bench-pacer", Priority = ThreadPriority.Highest };
            pacer.Start();
            pacer.Join();
            var deadline = TimeSpan.FromSeconds(30);
            foreach (var w in workers)
                if (!w.Join(deadline)) throw new TimeoutException("a connection did not finish within 30 s of the last scheduled request");

            var firstMeasured = (int)Math.Ceiling(rate * warmup.TotalSeconds);
            var window = Enumerable.Range(firstMeasured, total - firstMeasured).Where(i => scheduled[i] != 0).ToArray();
            return new LatencySample(
                Percentiles.Of(window.Select(i => latency[i])),
                Percentiles.Of(window.Select(i => service[i])),
                Percentiles.Of(window.Select(i => lag[i])),
                window.Length,
                window.Count(i => failed[i]),
                errorKinds.ToDictionary());
        }
        finally
        {
            foreach (var c in pool) c.Dispose();
        }
    }
}

/// <summary>One open-loop run's measured window.</summary>
/// <param name="Latency">From each request's scheduled time to its response's last byte: the figure reported.</param>
/// <param name="Service">From the moment a connection sent it: what a closed-loop tool would report.</param>
/// <param name="PacerLag">How late the pacing thread handed requests out: the generator's own error.</param>
public sealed record LatencySample(Percentiles Latency, Percentiles Service, Percentiles PacerLag, int Requests, int Errors, IReadOnlyDictionary<string, int> ErrorKinds);

/// <summary>Percentiles in microseconds (nearest rank over the sorted sample).</summary>
public sealed record Percentiles(double P50, double P90, double P99, double P999, double Max)
{
    public static Percentiles Of(IEnumerable<long> stopwatchTicks)
    {
        var sorted = stopwatchTicks.Order().ToArray();
        if (sorted.Length == 0) return new Percentiles(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)] * 1e6 / Stopwatch.Frequency;
        return new Percentiles(At(0.50), At(0.90), At(0.99), At(0.999), At(1.0));
    }

    public double this[int index] => index switch { 0 => P50, 1 => P90, 2 => P99, 3 => P999, _ => Max };
}
